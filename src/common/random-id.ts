import { randomBytes } from 'node:crypto';

/**
 * A random public id (account sub, client_id): `bytes` random bytes as base64url, drawn
 * again when it would start with `-`, which a command line reads as an option
 * (`latchkey client update -9mix…`). One draw in 64 is redrawn: a hair under the full
 * entropy, still far beyond guessing.
 */
export function randomId(bytes = 16): string {
  for (;;) {
    const id = randomBytes(bytes).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
