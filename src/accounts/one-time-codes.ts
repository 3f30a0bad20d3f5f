import { createHmac, randomBytes, randomInt } from 'node:crypto';
import type { Clock } from '../common/clock.js';
import type { Db } from '../storage/db.js';
import type { FailureLimiter } from '../storage/ephemeral-store.js';
import { addressKey } from '../common/client-address.js';

/**
 * What a code is for. A code is bound to its subject and its purpose: a reset code
 * never verifies an address, a sign-up code never adds a passkey.
 */
export type OneTimePurpose = 'verify-email' | 'reset-password' | 'confirm-passkey' | 'sign-up' | 'invite';

export interface IssueOptions {
  /** How long the code stays valid; 10 minutes unless said otherwise (invitations: 24 hours). */
  ttlSeconds?: number;
  /** `digits`: six digits a person types; `link`: 256 random bits for a URL. */
  format?: 'digits' | 'link';
  /**
   * Binds the code to one flow (the sign-in interaction a reset or a sign-up runs in):
   * only a check naming the same flow can use it, and a code issued or guessed at in
   * another flow for the same subject neither replaces it nor uses up its tries. A
   * stranger who starts a reset for someone's address then meets only the code of the
   * stranger's own flow, which the owner never sees.
   */
  flow?: string;
}

/** The purpose as stored: with its flow when bound to one (so one live code per subject, purpose and flow). */
const storedPurpose = (purpose: OneTimePurpose, flow: string | undefined) => (flow ? `${purpose}:${flow}` : purpose);

export type CodeCheck =
  | { ok: true }
  /** Wrong code; `attemptsLeft` for this code (the answer may say so). */
  | { ok: false; reason: 'wrong'; attemptsLeft: number }
  /** No live code: never issued, expired, used, replaced, or entered wrongly too often. */
  | { ok: false; reason: 'dead' }
  /** The budget for wrong codes (this subject, this client address) is spent; try again later. */
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

export interface OneTimeCodesDeps {
  db: Db;
  clock: Clock;
  /** Keys the stored HMAC, so a database dump does not let anyone try the 10^6 codes offline. */
  secret: Buffer;
  /** Wrong codes per subject and client address, across purposes (separate from the password budget). */
  failures: FailureLimiter;
}

/** NIST SP 800-63B-4 §3.1.3 (look-up and out-of-band secrets): at most this many wrong entries per code. */
export const ATTEMPTS_PER_CODE = 5;
export const CODE_TTL_SECONDS = 10 * 60;

/**
 * One-time codes (NIST SP 800-63B-4 §3.1.3.1, OWASP ASVS 5.0 V6.6): from a CSPRNG, stored
 * as an HMAC, time-limited, single use, bound to subject and purpose, at most
 * ATTEMPTS_PER_CODE wrong entries each, and a budget per subject and client address
 * across purposes. Every check is one atomic UPDATE, so parallel guesses cannot get more
 * tries than that.
 *
 * The budget is per address (IPv6: per /64) as failed client authentication is
 * (http/client-auth-limits.ts): keyed by the subject alone, a stranger who knows only an
 * email address could spend it with wrong codes at the reset page and so refuse the
 * owner's right code for an hour, again and again. Guessing stays bounded without it:
 * ATTEMPTS_PER_CODE per code, and new codes only as fast as the mail limits send them.
 */
export function createOneTimeCodes({ db, clock, secret, failures }: OneTimeCodesDeps) {
  const key = createHmac('sha256', secret).update('latchkey one-time codes').digest();
  const digest = (subject: string, purpose: string, code: string) =>
    createHmac('sha256', key).update(`${purpose}\0${subject}\0${code}`).digest('base64url');

  return {
    /**
     * A new code for subject and purpose; the previous live one dies (it is replaced in
     * place, so at no moment are two codes live). Returns the code to send: never log it.
     */
    async issue(subject: string, purpose: OneTimePurpose, options: IssueOptions = {}): Promise<string> {
      const code = options.format === 'link' ? randomBytes(32).toString('base64url') : String(randomInt(0, 1_000_000)).padStart(6, '0');
      const now = clock();
      const expires = new Date(now.getTime() + (options.ttlSeconds ?? CODE_TTL_SECONDS) * 1000);
      const stored = storedPurpose(purpose, options.flow);
      await db.query(
        `INSERT INTO one_time_codes (subject, purpose, code_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (subject, purpose) WHERE dead_at IS NULL
         DO UPDATE SET code_hash = EXCLUDED.code_hash, attempts = 0, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at`,
        [subject, stored, digest(subject, stored, code), now, expires],
      );
      return code;
    },

    /**
     * Checks and, when right, uses up the code typed from client address `from` (in
     * `flow`, for a code issued bound to one). The budget of subject and address is
     * charged before the check and refunded on success (a run of parallel guesses cannot
     * overshoot it).
     */
    async check(subject: string, purpose: OneTimePurpose, code: string, from: string, flow?: string): Promise<CodeCheck> {
      const stored = storedPurpose(purpose, flow);
      const budgetKey = `${subject}\0${addressKey(from)}`;
      const attempt = await failures.fail(budgetKey);
      if (attempt.overLimit) return { ok: false, reason: 'throttled', retryAfterSeconds: attempt.blockedFor };
      // Spaces and dashes a person types between digits are dropped; a link's token is
      // taken as it is (base64url has '-' of its own).
      // NFKC first: digits typed on a full-width keyboard are the same digits.
      const nfkc = code.length <= 64 ? code.normalize('NFKC') : code;
      const typed = nfkc.length <= 16 && /^[\d\s-]+$/.test(nfkc) ? nfkc.replace(/[\s-]/g, '') : code.trim().slice(0, 64);
      const { rows } = await db.query<{ matched: boolean; attempts: number }>(
        `UPDATE one_time_codes
            SET attempts = attempts + 1,
                dead_at = CASE WHEN code_hash = $3 OR attempts + 1 >= $5 THEN $4::timestamptz ELSE NULL END
          WHERE subject = $1 AND purpose = $2 AND dead_at IS NULL AND expires_at > $4
         RETURNING code_hash = $3 AS matched, attempts`,
        [subject, stored, digest(subject, stored, typed), clock(), ATTEMPTS_PER_CODE],
      );
      const row = rows[0];
      if (row?.matched) {
        await failures.reset(budgetKey);
        return { ok: true };
      }
      if (!row) return { ok: false, reason: 'dead' };
      if (attempt.blockedFor) return { ok: false, reason: 'throttled', retryAfterSeconds: attempt.blockedFor };
      return { ok: false, reason: 'wrong', attemptsLeft: Math.max(0, ATTEMPTS_PER_CODE - row.attempts) };
    },

    /** Whether a live code exists (to show "enter the code we sent" rather than "send a code"). */
    async pending(subject: string, purpose: OneTimePurpose): Promise<boolean> {
      const { rows } = await db.query('SELECT 1 FROM one_time_codes WHERE subject = $1 AND purpose = $2 AND dead_at IS NULL AND expires_at > $3', [
        subject,
        purpose,
        clock(),
      ]);
      return rows.length > 0;
    },

    /**
     * Whether `token` is the subject's live link, without using it up or counting an
     * attempt (a mail scanner's prefetch, the page before the ceremony). Only for links:
     * anything shorter than a link's 256 bits is refused unread, so this is never an
     * oracle for guessing a 6-digit code past its attempt limit.
     */
    async linkIsLive(subject: string, purpose: OneTimePurpose, token: string): Promise<boolean> {
      if (!/^[\w-]{43,64}$/.test(token)) return false;
      const { rows } = await db.query(
        'SELECT 1 FROM one_time_codes WHERE subject = $1 AND purpose = $2 AND code_hash = $3 AND dead_at IS NULL AND expires_at > $4',
        [subject, purpose, digest(subject, purpose, token), clock()],
      );
      return rows.length > 0;
    },

    /** Kills every live code of the subject (account deleted, password reset done). */
    async revokeAll(subject: string): Promise<void> {
      await db.query('UPDATE one_time_codes SET dead_at = $2 WHERE subject = $1 AND dead_at IS NULL', [subject, clock()]);
    },

    /** For the periodic sweep: rows past expiry by a day (kept a while for "this code is dead" answers). */
    async prune(): Promise<number> {
      const { rowCount } = await db.query("DELETE FROM one_time_codes WHERE expires_at < $1::timestamptz - interval '1 day'", [clock()]);
      return rowCount;
    },
  };
}

export type OneTimeCodes = ReturnType<typeof createOneTimeCodes>;
