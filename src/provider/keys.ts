import { createCipheriv, createDecipheriv, generateKeyPairSync, hkdfSync, randomBytes, type JsonWebKey } from 'node:crypto';
import { AppError } from '../common/errors.js';
import type { Db } from '../storage/db.js';

/**
 * Signing keys (ES256 first, so it is the default; RS256 for relying parties that need
 * it) and cookie-signing keys, kept in the durable store with the private part
 * AES-256-GCM encrypted under the key-encryption key. Created on first start, so a
 * restart or a second process signs with the same keys and signs nobody out.
 *
 * Rotation (key-rotation.ts) adds rows that are published at once and sign from
 * `activates_at`, and gives the rows they replace a `retired_at` in the future; which
 * key signs and which are published is decided here, from the rows and the time.
 */
export interface KeyMaterial {
  /** The published and verifying signing keys; per algorithm, the one that signs comes first. */
  jwks: { keys: JsonWebKey[] };
  /** First signs, all verify (Koa's Keygrip). */
  cookieKeys: string[];
  /** 32 bytes behind the DPoP nonces (RFC 9449 §8), the same in every process. */
  dpopNonceSecret: Buffer;
  /** Changes exactly when the keys or their order change. */
  version: string;
}

export type SigningAlg = 'ES256' | 'RS256';
export const SIGNING_ALGS: readonly SigningAlg[] = ['ES256', 'RS256'];

/**
 * DPoP nonces are stateless: each is an HMAC of the current minute under one secret, so
 * a nonce handed out by one Latchkey process must check out in every other process
 * sharing the Redis. The secret is derived (HKDF, its own label) from the oldest cookie
 * key ever stored (rows are never deleted, only retired), rather than stored beside it:
 * it is as durable and as shared as that key, independent of it for any use, and does
 * not move when cookie keys rotate, which would split processes started before and
 * after a rotation.
 */
function dpopNonceSecret(cookieKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', cookieKey, Buffer.alloc(0), 'latchkey dpop nonce', 32));
}

export const KEY_LOCK_ID = 72_540_114;

export function encryptKey(kek: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

export function decryptKey(kek: Buffer, sealed: string, kid: string): string {
  const raw = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', kek, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    // An operator's mistake, not a bug: start-up prints this one line (cli/failure.ts), no stack.
    throw new AppError('keys.wrong_key_encryption_key', `key ${kid} cannot be decrypted: LATCHKEY_KEY_ENCRYPTION_KEY is not the key it was stored with`, {
      status: 500,
      expose: true,
    });
  }
}

export function newSigningKey(alg: SigningAlg): JsonWebKey {
  const { privateKey } =
    alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: randomBytes(12).toString('base64url'), alg, use: 'sig' };
}

export const newCookieKey = () => ({ kid: randomBytes(12).toString('base64url'), secret: randomBytes(32).toString('base64url') });

export interface KeyRow {
  kid: string;
  use: 'sig' | 'cookie';
  alg: string | null;
  private_enc: string;
  created_at: Date;
  activates_at: Date | null;
  retired_at: Date | null;
}

export const KEY_COLUMNS = 'kid, use, alg, private_enc, created_at, activates_at, retired_at';

const activation = (r: KeyRow) => r.activates_at?.getTime() ?? Number.NEGATIVE_INFINITY;
/** Latest activation first; among equals, the newest row. */
const newestFirst = (a: KeyRow, b: KeyRow) => activation(b) - activation(a) || b.created_at.getTime() - a.created_at.getTime() || (a.kid < b.kid ? 1 : -1);

export const isLive = (r: KeyRow, now: Date) => !r.retired_at || r.retired_at.getTime() > now.getTime();
export const isActive = (r: KeyRow, now: Date) => activation(r) <= now.getTime();

/**
 * Which rows count at `now`, in the order the engine needs: per algorithm the newest
 * active key first (oidc-provider signs with the first key of an algorithm), then the
 * keys that only verify (pending, or replaced and not yet retired). Cookie keys: the
 * newest active first (Keygrip signs with the first), then the others.
 */
export function keyPlan(rows: readonly KeyRow[], now: Date): { sig: KeyRow[]; cookie: KeyRow[] } {
  const live = rows.filter((r) => isLive(r, now)).sort(newestFirst);
  const order = (list: KeyRow[]) => [...list.filter((r) => isActive(r, now)), ...list.filter((r) => !isActive(r, now))];
  const sig = live.filter((r) => r.use === 'sig');
  const signing = SIGNING_ALGS.flatMap((alg) => sig.filter((r) => r.alg === alg && isActive(r, now)).slice(0, 1));
  return {
    sig: [...signing, ...SIGNING_ALGS.flatMap((alg) => sig.filter((r) => r.alg === alg && !signing.includes(r)))],
    cookie: order(live.filter((r) => r.use === 'cookie')),
  };
}

export const planVersion = (plan: { sig: KeyRow[]; cookie: KeyRow[] }) => `${plan.sig.map((r) => r.kid).join(',')}|${plan.cookie.map((r) => r.kid).join(',')}`;

/** Reads the keys table and decides, at `now`, what is published, what signs and what verifies. */
export async function readKeyMaterial(db: Db, kek: Buffer, now: Date): Promise<KeyMaterial> {
  const { rows } = await db.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM keys`);
  const plan = keyPlan(rows, now);
  if (!plan.sig.length || !plan.cookie.length) {
    throw new AppError('keys.none_live', 'no live signing or cookie key: run `latchkey keys rotate`', { status: 500, expose: true });
  }
  const oldestCookie = rows.filter((r) => r.use === 'cookie').sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || (a.kid < b.kid ? -1 : 1))[0]!;
  return {
    jwks: { keys: plan.sig.map((r) => JSON.parse(decryptKey(kek, r.private_enc, r.kid)) as JsonWebKey) },
    cookieKeys: plan.cookie.map((r) => decryptKey(kek, r.private_enc, r.kid)),
    dpopNonceSecret: dpopNonceSecret(decryptKey(kek, oldestCookie.private_enc, oldestCookie.kid)),
    version: planVersion(plan),
  };
}

/** The keys at `now`, creating the first ones when there are none. */
export async function loadOrCreateKeys(db: Db, kek: Buffer, now: Date = new Date()): Promise<KeyMaterial> {
  await db.transaction(async (tx) => {
    // Two processes starting at once must not both create keys.
    if (db.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK_ID]);
    const { rows } = await tx.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM keys`);
    const plan = keyPlan(rows, now);
    if (!plan.sig.length) {
      for (const alg of SIGNING_ALGS) {
        const jwk = newSigningKey(alg);
        await tx.query('INSERT INTO keys (kid, use, alg, private_enc, created_at) VALUES ($1, $2, $3, $4, now() + $5::interval)', [
          jwk.kid,
          'sig',
          alg,
          encryptKey(kek, JSON.stringify(jwk)),
          alg === 'ES256' ? '0 seconds' : '1 second',
        ]);
      }
    }
    if (!plan.cookie.length) {
      const { kid, secret } = newCookieKey();
      await tx.query('INSERT INTO keys (kid, use, private_enc) VALUES ($1, $2, $3)', [kid, 'cookie', encryptKey(kek, secret)]);
    }
  });
  return readKeyMaterial(db, kek, now);
}
