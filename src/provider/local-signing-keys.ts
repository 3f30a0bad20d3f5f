import { createPrivateKey, createPublicKey, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { ExternalSigningKey } from 'oidc-provider';

/**
 * Latchkey's ES256 signing keys as the engine's `ExternalSigningKey` (its
 * `externalSigningSupport` feature, made for keys held elsewhere): each signature is
 * one synchronous OpenSSL call on a key object made once. The engine's own path signs
 * through WebCrypto: a job on libuv's thread pool (the one argon2 hashes on) and a
 * promise, about twice the CPU of the call itself per ES256 signature on the bench
 * machine (40-50 µs against 85-115 µs). RS256 keys stay on that path: an RSA-2048
 * signature takes some 0.35 ms, which the event loop should not wait for. Same keys,
 * same published JWKS.
 */
class LocalSigningKey extends ExternalSigningKey {
  readonly #kid: string;
  readonly #private: KeyObject;
  readonly #public: KeyObject;

  constructor(jwk: JsonWebKey, kid: string) {
    super();
    this.#kid = kid;
    this.#private = createPrivateKey({ key: jwk, format: 'jwk' });
    this.#public = createPublicKey(this.#private);
  }

  // Read-only: the engine sets kid and alg only on keys that lack them.
  override get kid(): string {
    return this.#kid;
  }

  override get alg(): string {
    return 'ES256';
  }

  /** The public half: what the engine publishes (kty, crv, x, y) and verifies its own tokens with. */
  override keyObject(): KeyObject {
    return this.#public;
  }

  override sign(data: Uint8Array): Uint8Array {
    // RFC 7518 §3.4: an ES256 signature is R and S side by side, not DER.
    return sign('sha256', data, { key: this.#private, dsaEncoding: 'ieee-p1363' });
  }
}

/** The keys as the engine takes them: ES256 private keys signed in the process, anything else as given. */
export function engineSigningKeys(jwks: { keys: readonly JsonWebKey[] }): { keys: Array<JsonWebKey | ExternalSigningKey> } {
  return {
    keys: jwks.keys.map((jwk) => {
      const { kid } = jwk;
      return typeof kid === 'string' && jwk.alg === 'ES256' && jwk.crv === 'P-256' && jwk.d ? new LocalSigningKey(jwk, kid) : jwk;
    }),
  };
}
