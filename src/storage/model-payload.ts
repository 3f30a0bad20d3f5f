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

/**
 * The payload as the engine reads it: the stored one with its id (and when it was
 * consumed) put back. `stored` must be the caller's own, freshly parsed object: it is
 * completed in place. Copied by a spread instead (`{ ...stored, jti }`), every token
 * lookup paid a few microseconds, the largest share of Latchkey's own time in an
 * introspection: each payload parsed from JSON has a shape of its own, so V8's cache
 * for spreading one object into another never hits.
 */
export function revivedPayload(stored: AdapterPayload, id: string, consumed: number | undefined): AdapterPayload {
  stored.jti = id;
  if (consumed !== undefined) stored.consumed = consumed;
  return stored;
}
