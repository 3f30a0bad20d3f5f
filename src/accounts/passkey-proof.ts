import type { AuditLog } from '../audit/audit-log.js';
import { describeDevice } from '../common/device.js';
import type { Mailer } from '../mail/mailer.js';
import type { FailureLimiter } from '../storage/ephemeral-store.js';
import type { Account, AccountsRepo } from './accounts-repo.js';
import { CODE_TTL_SECONDS, type OneTimeCodes } from './one-time-codes.js';

/** Where a request came from, for mails and audit events. */
export interface RequestOrigin {
  ip?: string | undefined;
  userAgent?: string | undefined;
}

export type ProofAnswer =
  | { ok: true }
  | { ok: false; reason: 'wrong' | 'dead' | 'throttled'; message: string; status: 400 | 429; retryAfterSeconds?: number };

export type SendAnswer = { ok: true } | { ok: false; message: string; retryAfterSeconds: number };

export interface PasskeyProofDeps {
  codes: OneTimeCodes;
  mailer: Mailer;
  accounts: AccountsRepo;
  audit: AuditLog;
  /** Codes mailed per account: a password holder must not be able to flood the owner's mailbox. */
  mails: FailureLimiter;
}

function minutes(seconds: number): string {
  const m = Math.max(1, Math.ceil(seconds / 60));
  return m === 1 ? 'a minute' : `${m} minutes`;
}

/**
 * The proof beyond the password that the first passkey of an account needs (DESIGN.md
 * "Binding"; NIST SP 800-63B-4 §4.1: an authenticator is bound at the level it will be
 * used at, and a phishing-resistant one must not be bound on a password alone): a
 * one-time code mailed to the account's address in the same flow. The callers record
 * that the code came back (server-side, with its time) and only then issue passkey
 * registration options.
 */
export function createPasskeyProof({ codes, mailer, accounts, audit, mails }: PasskeyProofDeps) {
  return {
    /** Mails a new code to the account's address (verified or not: the code proves control of it). */
    async send(account: Account, from: RequestOrigin): Promise<SendAnswer> {
      const budget = await mails.fail(account.id);
      if (budget.overLimit) return { ok: false, message: `Too many codes were sent. Try again in ${minutes(budget.blockedFor)}.`, retryAfterSeconds: budget.blockedFor };
      const code = await codes.issue(account.id, 'confirm-passkey');
      await mailer.send({
        to: account.email,
        template: 'one-time-code',
        data: { code, purpose: 'confirm-passkey', minutes: CODE_TTL_SECONDS / 60, name: account.name, device: describeDevice(from.userAgent), ...(from.ip ? { ip: from.ip } : {}) },
      });
      await audit.record({ type: 'code.sent', accountId: account.id, ip: from.ip, detail: { purpose: 'confirm-passkey' } });
      return { ok: true };
    },

    /**
     * Checks a typed code. A right one also verifies the address it was mailed to (it
     * came back from there). Every refusal reads as a sentence for the page.
     */
    async confirm(account: Account, typed: string, from: RequestOrigin): Promise<ProofAnswer> {
      const result = await codes.check(account.id, 'confirm-passkey', typed, from.ip ?? '');
      if (result.ok) {
        if (!account.emailVerified) {
          await accounts.markEmailVerified(account.id, account.email);
          await audit.record({ type: 'email.verified', accountId: account.id, ip: from.ip, detail: { by: 'confirm-passkey' } });
        }
        return { ok: true };
      }
      await audit.record({ type: 'code.failed', accountId: account.id, ip: from.ip, detail: { purpose: 'confirm-passkey', reason: result.reason } });
      switch (result.reason) {
        case 'wrong':
          return {
            ok: false,
            reason: 'wrong',
            status: 400,
            message: result.attemptsLeft > 0
              ? `That code is not right. Check the mail and try again (${result.attemptsLeft} ${result.attemptsLeft === 1 ? 'try' : 'tries'} left).`
              : 'That code is not right, and it no longer works. Send a new code.',
          };
        case 'dead':
          return { ok: false, reason: 'dead', status: 400, message: 'This code no longer works: it has expired, was already used, was replaced by a newer one, or was entered wrongly too often. Send a new code.' };
        case 'throttled':
          return { ok: false, reason: 'throttled', status: 429, retryAfterSeconds: result.retryAfterSeconds, message: `Too many wrong codes. Try again in ${minutes(result.retryAfterSeconds)}.` };
      }
    },
  };
}

export type PasskeyProof = ReturnType<typeof createPasskeyProof>;
