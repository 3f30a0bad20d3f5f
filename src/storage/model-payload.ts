import type { AdapterPayload } from 'oidc-provider';

/**
 * The payload as stored: without `jti`, which for every model is the id itself (the
 * bearer value for opaque tokens and the session cookie). The id is stored only as a
 * hash and put back on read from the id the caller already holds.
 */
export function storablePayload(payload: AdapterPayload): AdapterPayload {
  const { jti: _jti, ...rest } = payload;
  return rest;
}
