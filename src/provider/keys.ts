import { createCipheriv, createDecipheriv, generateKeyPairSync, hkdfSync, randomBytes, type JsonWebKey } from 'node:crypto';
import type { Db } from '../storage/db.js';

/**
 * Signing keys (ES256 first, so it is the default; RS256 for relying parties that need
 * it) and cookie-signing keys, kept in the durable store with the private part
 * AES-256-GCM encrypted under the key-encryption key. Created on first start, so a
 * restart or a second process signs with the same keys and signs nobody out.
 */
export interface KeyMaterial {
  jwks: { keys: JsonWebKey[] };
  cookieKeys: string[];
  /** 32 bytes behind the DPoP nonces (RFC 9449 §8), the same in every process. */
  dpopNonceSecret: Buffer;
}

/**
 * DPoP nonces are stateless: each is an HMAC of the current minute under one secret, so
 * a nonce handed out by one Latchkey process must check out in every other process
 * sharing the Redis. The secret is derived (HKDF, its own label) from the newest stored
 * cookie key rather than stored beside it: it is as durable and as shared as that key,
 * and independent of it for any use.
 */
function dpopNonceSecret(cookieKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', cookieKey, Buffer.alloc(0), 'latchkey dpop nonce', 32));
}

const KEY_LOCK_ID = 72_540_114;

function encrypt(kek: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

function decrypt(kek: Buffer, sealed: string, kid: string): string {
  const raw = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', kek, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    throw new Error(`key ${kid} cannot be decrypted: LATCHKEY_KEY_ENCRYPTION_KEY is not the key it was stored with`);
  }
}

function newSigningKey(alg: 'ES256' | 'RS256'): JsonWebKey {
  const { privateKey } =
    alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: randomBytes(12).toString('base64url'), alg, use: 'sig' };
}

interface KeyRow {
  kid: string;
  use: 'sig' | 'cookie';
  private_enc: string;
}

export async function loadOrCreateKeys(db: Db, kek: Buffer): Promise<KeyMaterial> {
  return db.transaction(async (tx) => {
    // Two processes starting at once must not both create keys.
    if (db.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK_ID]);
    let { rows } = await tx.query<KeyRow>(
      'SELECT kid, use, private_enc FROM keys WHERE retired_at IS NULL ORDER BY created_at, kid',
    );
    if (!rows.some((r) => r.use === 'sig')) {
      for (const alg of ['ES256', 'RS256'] as const) {
        const jwk = newSigningKey(alg);
        await tx.query('INSERT INTO keys (kid, use, alg, private_enc, created_at) VALUES ($1, $2, $3, $4, now() + $5::interval)', [
          jwk.kid,
          'sig',
          alg,
          encrypt(kek, JSON.stringify(jwk)),
          alg === 'ES256' ? '0 seconds' : '1 second', // ES256 first: oidc-provider signs with the first usable key
        ]);
      }
    }
    if (!rows.some((r) => r.use === 'cookie')) {
      const kid = randomBytes(12).toString('base64url');
      await tx.query('INSERT INTO keys (kid, use, private_enc) VALUES ($1, $2, $3)', [
        kid,
        'cookie',
        encrypt(kek, randomBytes(32).toString('base64url')),
      ]);
    }
    ({ rows } = await tx.query<KeyRow>('SELECT kid, use, private_enc FROM keys WHERE retired_at IS NULL ORDER BY created_at, kid'));
    // Newest first: Koa signs with keys[0] and still verifies with the older ones.
    const cookieKeys = rows.filter((r) => r.use === 'cookie').map((r) => decrypt(kek, r.private_enc, r.kid)).reverse();
    return {
      jwks: { keys: rows.filter((r) => r.use === 'sig').map((r) => JSON.parse(decrypt(kek, r.private_enc, r.kid)) as JsonWebKey) },
      cookieKeys,
      dpopNonceSecret: dpopNonceSecret(cookieKeys[0]!),
    };
  });
}
