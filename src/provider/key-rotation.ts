import type { Config } from '../config/config.js';
import { AppError } from '../common/errors.js';
import type { Db } from '../storage/db.js';
import { ID_TOKEN_TTL_SECONDS, LOGOUT_TOKEN_TTL_SECONDS } from './token-lifetimes.js';
import { decryptKey, encryptKey, isActive, isLive, KEY_COLUMNS, KEY_LOCK_ID, newCookieKey, newSigningKey, SIGNING_ALGS, type KeyRow } from './keys.js';

/**
 * Key rotation without downtime. `rotateKeys` adds one signing key per algorithm and a
 * cookie key, all published (in /jwks; accepted on cookies) at once and signing only
 * from `now + activateAfter`, so every relying party's cached JWKS holds the new key
 * before any token carries it (RFC 7517 §5 key sets; OIDC Core §10.1.1 asks for keys
 * to be published before use when rotating). The keys they replace get a `retired_at`:
 * they verify until the last token they could have signed has expired, and then they
 * are gone from /jwks. Every process reads the table again every
 * LATCHKEY_KEY_RELOAD_SECONDS (key-refresh.ts), so the schedule needs no restart.
 */
export interface RotationPolicy {
  /** From now until the new keys sign; must outlast every JWKS cache. */
  activateAfterSeconds: number;
  /** How long a replaced signing key stays published after the new one starts signing. */
  signingRetentionSeconds: number;
  /** How long a replaced cookie key still verifies after the new one starts signing. */
  cookieRetentionSeconds: number;
}

/**
 * How long relying parties and resource servers may keep discovery and the JWKS
 * (http/metadata-caching.ts sends it). Short on purpose: a new signing key must be
 * published for at least this long before it signs anything, and a removed key stays
 * trusted by caches for this long (OIDC Discovery §4, RFC 8414 §3, RFC 7517). Five
 * minutes spares the issuer one fetch per token check without holding a rotation back.
 */
export const METADATA_MAX_AGE_SECONDS = 300;

/** Below this, a relying party holding a cached JWKS could meet a kid it has never seen. */
export const minimumActivateAfterSeconds = (config: Config) => METADATA_MAX_AGE_SECONDS + config.keyRotation.reloadSeconds;

/** Default delay: twelve times the JWKS `max-age`, and far more than one reload. */
export const DEFAULT_ACTIVATE_AFTER_SECONDS = 3600;

/** The delay automatic rotation (LATCHKEY_KEY_ROTATION_DAYS) uses: the default, or more when reloads are that far apart. */
export const automaticActivateAfterSeconds = (config: Config) => Math.max(DEFAULT_ACTIVATE_AFTER_SECONDS, minimumActivateAfterSeconds(config));

/**
 * A replaced key signs for up to one reload interval after the switch (processes switch
 * on their next reload), and verifiers allow some clock skew: ten minutes on top.
 */
const SKEW_SECONDS = 600;

/**
 * The longest a token signed by a key can live: ID tokens, access tokens (the default
 * and every resource's own TTL, JWT access tokens being signed), logout tokens. Refresh
 * tokens and opaque tokens are not signed.
 */
export async function rotationPolicy(db: Db, config: Config, activateAfterSeconds = DEFAULT_ACTIVATE_AFTER_SECONDS): Promise<RotationPolicy> {
  const { rows } = await db.query<{ ttl: number | null }>('SELECT max(access_token_ttl)::int AS ttl FROM resources');
  const margin = config.keyRotation.reloadSeconds + SKEW_SECONDS;
  const longestToken = Math.max(ID_TOKEN_TTL_SECONDS, LOGOUT_TOKEN_TTL_SECONDS, config.ttl.accessToken, rows[0]?.ttl ?? 0);
  return {
    activateAfterSeconds,
    signingRetentionSeconds: longestToken + margin,
    // A session cookie signed by the old key may come back until the session expires
    // (Koa re-signs it with the new key whenever it is presented, so this bounds idle ones).
    cookieRetentionSeconds: config.ttl.session + margin,
  };
}

export interface RotationResult {
  added: Array<{ kid: string; use: 'sig' | 'cookie'; alg: string | null; activatesAt: Date }>;
  retiring: Array<{ kid: string; use: 'sig' | 'cookie'; alg: string | null; retiresAt: Date }>;
}

const plusSeconds = (at: Date, seconds: number) => new Date(at.getTime() + seconds * 1000);

/**
 * Schedules one rotation. Refused while another is pending (a key that does not sign
 * yet): two overlapping schedules would retire a key that never signed, or keep one
 * too short. With `onlyIfOlderThanDays` (automatic rotation) it does nothing, rather
 * than refuse, unless the signing keys are at least that old and nothing is pending;
 * under the advisory lock, so of several processes due at once only one rotates.
 */
export async function rotateKeys(
  db: Db,
  kek: Buffer,
  now: Date,
  policy: RotationPolicy,
  options: { onlyIfOlderThanDays?: number } = {},
): Promise<RotationResult | undefined> {
  return db.transaction(async (tx) => {
    if (db.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK_ID]);
    const { rows } = await tx.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM keys FOR UPDATE`);
    const live = rows.filter((r) => isLive(r, now));
    // The key-encryption key must be the one the stored keys were sealed with, or the
    // new keys would be unreadable beside the old ones.
    for (const row of live.slice(0, 1)) decryptKey(kek, row.private_enc, row.kid);
    const pending = live.find((r) => !isActive(r, now));
    if (options.onlyIfOlderThanDays !== undefined) {
      if (pending) return undefined;
      const newest = Math.max(...live.filter((r) => r.use === 'sig').map((r) => (r.activates_at ?? r.created_at).getTime()));
      if (now.getTime() - newest < options.onlyIfOlderThanDays * 86_400_000) return undefined;
    } else if (pending) {
      throw new AppError('keys.rotation_pending', `a rotation is already scheduled: key ${pending.kid} starts signing at ${pending.activates_at?.toISOString()}`, { status: 409 });
    }

    // With no key at all (a store never started) there is nothing to overlap with: the keys sign at once.
    const activatesAt = live.some((r) => r.use === 'sig') ? plusSeconds(now, policy.activateAfterSeconds) : now;
    const result: RotationResult = { added: [], retiring: [] };
    const retire = async (use: 'sig' | 'cookie', alg: string | null, retiresAt: Date) => {
      for (const row of live.filter((r) => r.use === use && r.alg === alg && !r.retired_at)) {
        await tx.query('UPDATE keys SET retired_at = $2 WHERE kid = $1', [row.kid, retiresAt]);
        result.retiring.push({ kid: row.kid, use, alg, retiresAt });
      }
    };
    for (const alg of SIGNING_ALGS) {
      await retire('sig', alg, plusSeconds(activatesAt, policy.signingRetentionSeconds));
      const jwk = newSigningKey(alg);
      await tx.query('INSERT INTO keys (kid, use, alg, private_enc, activates_at) VALUES ($1, $2, $3, $4, $5)', [jwk.kid, 'sig', alg, encryptKey(kek, JSON.stringify(jwk)), activatesAt]);
      result.added.push({ kid: String(jwk.kid), use: 'sig', alg, activatesAt });
    }
    await retire('cookie', null, plusSeconds(activatesAt, policy.cookieRetentionSeconds));
    const cookie = newCookieKey();
    await tx.query('INSERT INTO keys (kid, use, private_enc, activates_at) VALUES ($1, $2, $3, $4)', [cookie.kid, 'cookie', encryptKey(kek, cookie.secret), activatesAt]);
    result.added.push({ kid: cookie.kid, use: 'cookie', alg: null, activatesAt });
    return result;
  });
}
