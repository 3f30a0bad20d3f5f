import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The app's cookie keys, as Koa's `cookies` module uses them (`sign`, `index`; the
 * `keygrip` interface), with the secrets behind them for other derived keys.
 */
export interface CookieKeys {
  readonly secrets: readonly string[];
  /** The signature of `data` with the first (newest) key. */
  sign(data: string): string;
  verify(data: string, digest: string): boolean;
  /** Which key made `digest`, or -1 when none did. */
  index(data: string, digest: string): number;
}

/**
 * Signs as Keygrip does (HMAC-SHA1, base64url without padding), so every cookie signed
 * before stays valid, and compares in constant time with `timingSafeEqual`. Keygrip
 * compares through `tsscmp`, which draws 32 random bytes and computes two more HMACs per
 * key tried: with the signing HMAC, four crypto calls per signed cookie read, on every
 * page request (CSRF, device, interaction and session cookies). One object per key set,
 * with its methods on the prototype: the `cookies` module given a list of keys builds a
 * Keygrip per request, whose methods are closures assigned to properties, which V8
 * allocates in the old generation (patches/README.md).
 */
class CookieSigner implements CookieKeys {
  readonly secrets: readonly string[];

  constructor(secrets: readonly string[]) {
    // As Keygrip: a signer without a key would sign with `undefined`.
    if (!secrets.length) throw new Error('Keys must be provided.');
    this.secrets = [...secrets];
  }

  sign(data: string): string {
    return signWith(this.secrets[0]!, data);
  }

  verify(data: string, digest: string): boolean {
    return this.index(data, digest) > -1;
  }

  index(data: string, digest: string): number {
    const given = Buffer.from(String(digest));
    for (let i = 0; i < this.secrets.length; i++) {
      const expected = Buffer.from(signWith(this.secrets[i]!, data));
      // The length of a signature is public (27 characters); only equal lengths are compared.
      if (given.length === expected.length && timingSafeEqual(given, expected)) return i;
    }
    return -1;
  }
}

function signWith(secret: string, data: string): string {
  return createHmac('sha1', secret).update(data).digest('base64url');
}

export const cookieSigner = (secrets: string[]): CookieKeys => new CookieSigner(secrets);

/** The secrets of an app's `keys` (a CookieKeys, or the plain list tests may set). */
export function cookieSecrets(keys: unknown): readonly string[] {
  if (Array.isArray(keys)) return keys.filter((k): k is string => typeof k === 'string');
  const secrets = (keys as Partial<CookieKeys> | undefined)?.secrets;
  return Array.isArray(secrets) ? secrets : [];
}
