import type { AuditLog } from '../audit/audit-log.js';
import { sha256 } from '../common/hash.js';
import type { EphemeralKv, FailureLimiter } from '../storage/ephemeral-store.js';
import type { Account, AccountsRepo } from './accounts-repo.js';
import { knewAccount, type KnownDevice } from './device-token.js';
import { passwordLockoutKey } from './password-lockout.js';
import { dummyVerify, hashPassword, PASSWORD_MAX_LENGTH, verifyPassword } from './passwords.js';
import { withinMaxLength } from './password-policy.js';

export type PasswordLoginResult =
  | { ok: true; account: Account }
  /**
   * `locked`: the budget this attempt counts against is used up, so no password was
   * checked. Keyed by the canonical email (existing or not) or the device, so it
   * reveals nothing, and the page shows it exactly like `invalid`.
   */
  | { ok: false; reason: 'invalid' | 'locked' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

export interface PasswordLoginInput {
  email: string;
  password: string;
  ip: string;
  /** For the audit record. */
  userAgent?: string | undefined;
  clientId?: string | undefined;
  /** The browser's signature-checked device cookie, if it sent one. */
  device?: KnownDevice | undefined;
}

export interface PasswordLoginDeps {
  accounts: AccountsRepo;
  audit: AuditLog;
  /** Failures per account (canonical email) from browsers that have not signed in to it before. */
  unknownDevices: FailureLimiter;
  /** Failures per account and known device: a stranger's guesses never use this budget up. */
  knownDevice: FailureLimiter;
  /** Failures per client IP address (spraying many accounts from one place). */
  byIp: FailureLimiter;
  /** Claims "a password check for this account is running" (at most one at a time). */
  inFlight: EphemeralKv;
  /** The slow-down before a failure answer, and the pause between claim retries; tests pass a recorder. */
  delay?: (ms: number) => Promise<void>;
  /** The argon2 check; tests pass a counting wrapper. */
  verify?: typeof verifyPassword;
}

// Repeated failures slow down before they lock (DESIGN.md "Sign in"): from the third
// consecutive failure on an email, each answer waits longer, up to two seconds.
export function slowDownMs(failures: number): number {
  return failures < 3 ? 0 : Math.min(2000, 250 * 2 ** (failures - 3));
}

// A claim outlives any honest check (argon2 takes well under a second) and expires by
// itself if the process holding it dies. A second attempt on the same account waits
// for the running one in short steps, about two seconds at most, then gives up.
const CHECK_CLAIM_SECONDS = 15;
const CLAIM_RETRY_MS = [25, 50, 100, 200, 300, 400, 500, 500];

export function createPasswordLogin(deps: PasswordLoginDeps) {
  const { accounts, audit, unknownDevices, knownDevice, byIp, inFlight } = deps;
  const delay = deps.delay ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const verify = deps.verify ?? verifyPassword;

  /** At most one password check per account in flight (NIST SP 800-63B-4 §3.2.2: rate limiting must hold under parallel guesses). */
  async function claimCheck(key: string): Promise<boolean> {
    if (await inFlight.claim(key, CHECK_CLAIM_SECONDS)) return true;
    for (const ms of CLAIM_RETRY_MS) {
      await delay(ms);
      if (await inFlight.claim(key, CHECK_CLAIM_SECONDS)) return true;
    }
    return false;
  }

  return async function passwordLogin(input: PasswordLoginInput): Promise<PasswordLoginResult> {
    // Every counter uses the canonical address: no other spelling opens a fresh budget.
    const emailKey = passwordLockoutKey(input.email);
    // Both reads at once (one wait, not two); the account is not used when throttled.
    const [ip, account] = await Promise.all([
      byIp.check(input.ip),
      withinMaxLength(input.password) ? accounts.findByEmail(input.email) : undefined,
    ]);
    if (ip.blockedFor) return { ok: false, reason: 'throttled', retryAfterSeconds: ip.blockedFor };
    const who = { ip: input.ip, clientId: input.clientId, userAgent: input.userAgent };

    // OWASP device cookies: a browser that signed in to this account before (with any of
    // its passwords: device-token.ts `knewAccount`) has a budget of its own; every other
    // browser shares the account's "unknown devices" budget, so a stranger's guesses lock
    // strangers out but not the owner's known browser.
    const known = account !== undefined && knewAccount(input.device, account);
    const budget = known ? knownDevice : unknownDevices;
    const budgetKey = known ? sha256(`${input.device!.id}\0${account.id}`) : emailKey;
    const budgetName = known ? 'known-device' : 'unknown-devices';

    // The attempt is counted before the password is checked, atomically in the store, and
    // refunded on success: fifty guesses sent at once get no more checks than the
    // allowance, and the right password sent right after them is refused too.
    const attempt = await budget.fail(budgetKey);
    if (attempt.overLimit) return refuse('locked', attempt.failures);
    if (!(await claimCheck(emailKey))) {
      // Not checked (another check of this account ran too long), but counted: if this
      // attempt used up the budget, the lock starts now and is recorded as such.
      if (account && attempt.blockedFor) await recordLock(account.id, budgetName, attempt.blockedFor, who);
      return refuse('invalid', attempt.failures);
    }

    let verified = false;
    try {
      if (account?.passwordHash) {
        const result = await verify(account.passwordHash, input.password);
        verified = result.ok;
        if (result.needsRehash) await accounts.setPasswordHash(account.id, await hashPassword(input.password));
      } else {
        await dummyVerify(input.password.slice(0, PASSWORD_MAX_LENGTH));
      }
    } catch (err) {
      // The claim expires by itself if this release fails too; the first error is the one to report.
      await inFlight.take(emailKey).catch(() => {});
      throw err;
    }

    if (verified && account) {
      // Success refunds this budget and clears its count (the lockout counts consecutive
      // failures). Only this one: the owner signing in from a known browser leaves the
      // lock on unknown devices in place. Sent with the claim's release: one round trip.
      await Promise.all([inFlight.take(emailKey), budget.reset(budgetKey)]);
      return { ok: true, account };
    }
    await inFlight.take(emailKey);

    await byIp.fail(input.ip);
    // Recorded for unknown addresses too (without the address): password spraying shows
    // in the log, and a known address costs no extra write that its timing could betray.
    await audit.record({ type: 'login.failed', ...(account ? { accountId: account.id } : {}), ...who, detail: { method: 'password', device: budgetName, ...(account ? {} : { unknownAccount: true }) } });
    if (account && attempt.blockedFor) await recordLock(account.id, budgetName, attempt.blockedFor, who);
    return refuse('invalid', attempt.failures);
  };

  async function recordLock(accountId: string, budget: string, seconds: number, who: { ip: string; clientId?: string | undefined; userAgent?: string | undefined }) {
    await audit.record({ type: 'account.locked', accountId, ...who, detail: { method: 'password', budget, seconds } });
  }

  /** Refusals wait like a wrong password does, so a lock cannot be told apart by its timing either. */
  async function refuse(reason: 'invalid' | 'locked', failures: number): Promise<PasswordLoginResult> {
    const wait = slowDownMs(failures);
    if (wait) await delay(wait);
    return { ok: false, reason };
  }
}

export type PasswordLogin = ReturnType<typeof createPasswordLogin>;
