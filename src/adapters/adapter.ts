import type { Adapter, AdapterPayload } from 'oidc-provider';

export type { Adapter, AdapterPayload };

/** oidc-provider models whose loss would sign people out or break a grant: Postgres/PGlite. */
export const DURABLE_MODELS = new Set([
  'Session',
  'Grant',
  'RefreshToken',
  'RegistrationAccessToken',
  'InitialAccessToken',
]);

/**
 * The payload as stored: without `jti`, which for every model is the id itself (the
 * bearer value for opaque tokens and the session cookie). The id is stored only as a
 * hash and put back on read from the id the caller already holds.
 */
export function storablePayload(payload: AdapterPayload): AdapterPayload {
  const { jti: _jti, ...rest } = payload;
  return rest;
}

export function expiresAt(expiresIn: number | undefined): Date | null {
  return expiresIn ? new Date(Date.now() + expiresIn * 1000) : null;
}
