import { createPrivateKey, createPublicKey, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { ExternalSigningKey } from 'oidc-provider';

/**
 * Latchkey's private signing keys as the engine's `ExternalSigningKey` (its
 * `externalSigningSupport` feature, made for keys held elsewhere): each signature is
 * one synchronous OpenSSL call on a key object made once. The engine's own path signs
 * through WebCrypto: a job on libuv's thread pool (the one argon2 hashes on) and a
 * promise, about twice the CPU of the call itself per ES256 signature on the bench
 * machine. Same keys, same algorithms, same published JWKS.
 */
class LocalSigningKey extends ExternalSigningKey {
  readonly #kid: string;
  readonly #alg: 'ES256' | 'RS256';
  readonly #private: KeyObject;
  readonly #public: KeyObject;

  constructor(jwk: JsonWebKey, kid: string, alg: 'ES256' | 'RS256') {
    super();
    this.#kid = kid;
    this.#alg = alg;
    this.#private = createPrivateKey({ key: jwk, format: 'jwk' });
    this.#public = createPublicKey(this.#private);
  }

  // Read-only: the engine sets kid and alg only on keys that lack them.
  override get kid(): string {
    return this.#kid;
  }

  override get alg(): string {
    return this.#alg;
  }

  /** The public half: what the engine publishes (kty, crv, x, y, n, e) and verifies its own tokens with. */
  override keyObject(): KeyObject {
    return this.#public;
  }

  override sign(data: Uint8Array): Uint8Array {
    // RFC 7518 §3.4: an ES256 signature is R and S side by side, not DER.
    return this.#alg === 'ES256' ? sign('sha256', data, { key: this.#private, dsaEncoding: 'ieee-p1363' }) : sign('sha256', data, this.#private);
  }
}

const isLocalAlg = (alg: unknown): alg is 'ES256' | 'RS256' => alg === 'ES256' || alg === 'RS256';

/** The keys as the engine takes them: ES256 and RS256 private keys signed locally, anything else as given. */
export function engineSigningKeys(jwks: { keys: readonly JsonWebKey[] }): { keys: Array<JsonWebKey | ExternalSigningKey> } {
  return {
    keys: jwks.keys.map((jwk) => {
      const { kid, alg } = jwk as { kid?: unknown; alg?: unknown };
      return typeof kid === 'string' && isLocalAlg(alg) && jwk.d ? new LocalSigningKey(jwk, kid, alg) : jwk;
    }),
  };
}
