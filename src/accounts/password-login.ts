import type { AuditLog } from '../audit/audit-log.js';
import { sha256 } from '../common/hash.js';
import type { FailureLimiter } from '../storage/ephemeral-store.js';
import type { Account, AccountsRepo } from './accounts-repo.js';
import { canonicalEmail } from './email.js';
import { dummyVerify, hashPassword, PASSWORD_MAX_LENGTH, verifyPassword } from './passwords.js';

export type PasswordLoginResult =
  | { ok: true; account: Account }
  | { ok: false; reason: 'invalid' }
  // Locked is keyed by the canonical email, existing or not, so it reveals nothing.
  | { ok: false; reason: 'locked' | 'throttled'; retryAfterSeconds: number };

export interface PasswordLoginDeps {
  accounts: AccountsRepo;
  audit: AuditLog;
  /** Consecutive failures per email (lockout). */
  byEmail: FailureLimiter;
  /** Failures per client IP address (spraying many accounts from one place). */
  byIp: FailureLimiter;
  /** The slow-down before a failure answer; tests pass a recorder. */
  delay?: (ms: number) => Promise<void>;
}

// Repeated failures slow down before they lock (DESIGN.md "Sign in"): from the third
// consecutive failure on an email, each answer waits longer, up to two seconds.
export function slowDownMs(failures: number): number {
  return failures < 3 ? 0 : Math.min(2000, 250 * 2 ** (failures - 3));
}

export function createPasswordLogin({ accounts, audit, byEmail, byIp, delay = (ms) => new Promise((r) => setTimeout(r, ms)) }: PasswordLoginDeps) {
  return async function passwordLogin(input: { email: string; password: string; ip: string }): Promise<PasswordLoginResult> {
    // Every counter uses the canonical address: no other spelling opens a fresh budget.
    const emailKey = sha256(canonicalEmail(input.email));
    const ip = await byIp.check(input.ip);
    if (ip.blockedFor) return { ok: false, reason: 'throttled', retryAfterSeconds: ip.blockedFor };
    // The attempt is counted before the password is checked, atomically in the store, and
    // refunded on success: fifty guesses sent at once get no more checks than the
    // allowance, and the right password sent right after them is refused too.
    const attempt = await byEmail.fail(emailKey);
    if (attempt.overLimit) return { ok: false, reason: 'locked', retryAfterSeconds: attempt.blockedFor };

    const account = input.password.length <= PASSWORD_MAX_LENGTH ? await accounts.findByEmail(input.email) : undefined;
    let verified = false;
    if (account?.passwordHash) {
      const result = await verifyPassword(account.passwordHash, input.password);
      verified = result.ok;
      if (result.needsRehash) await accounts.setPasswordHash(account.id, await hashPassword(input.password));
    } else {
      await dummyVerify(input.password.slice(0, PASSWORD_MAX_LENGTH));
    }

    if (verified && account) {
      // Success refunds the attempt and clears the count (the lockout counts consecutive failures).
      await byEmail.reset(emailKey);
      return { ok: true, account };
    }

    await byIp.fail(input.ip);
    if (account) {
      await audit.record({ type: attempt.blockedFor ? 'account.locked' : 'login.failed', accountId: account.id, ip: input.ip });
    }
    if (attempt.blockedFor) return { ok: false, reason: 'locked', retryAfterSeconds: attempt.blockedFor };
    const wait = slowDownMs(attempt.failures);
    if (wait) await delay(wait);
    return { ok: false, reason: 'invalid' };
  };
}

export type PasswordLogin = ReturnType<typeof createPasswordLogin>;
