import Keygrip from 'keygrip';

/** The app's cookie keys: one Keygrip, with the secrets behind it for other derived keys. */
export interface CookieKeys extends Keygrip {
  readonly secrets: readonly string[];
}

/**
 * The cookie-signing keys as one Keygrip for the life of a key set. Given an array, the
 * `cookies` module builds a new Keygrip on every request that reads or writes a cookie,
 * and Keygrip installs its methods with `this.sign = function …`: function literals
 * assigned to properties, which V8 allocates in the old generation, so each of those
 * requests left three closures there until a full collection (patches/README.md).
 */
export const cookieKeygrip = (secrets: string[]): CookieKeys => Object.assign(new Keygrip(secrets), { secrets: [...secrets] });

/** The secrets of an app's `keys` (a CookieKeys, or the plain list tests may set). */
export function cookieSecrets(keys: unknown): readonly string[] {
  if (Array.isArray(keys)) return keys.filter((k): k is string => typeof k === 'string');
  const secrets = (keys as Partial<CookieKeys> | undefined)?.secrets;
  return Array.isArray(secrets) ? secrets : [];
}
