import type { MailRequest } from '../mail/mailer.js';
import type { Account, AccountsRepo } from './accounts-repo.js';
import type { OneTimeCodes } from './one-time-codes.js';

/** How long an invitation link works (DESIGN.md "Binding": the invitation code is the new account's proof). */
export const INVITE_TTL_SECONDS = 24 * 3600;

/** Where an invitation link points; the account id is opaque, the token 256 random bits. */
export const INVITE_PREFIX = '/invite';

export function invitePath(accountId: string, token: string): string {
  return `${INVITE_PREFIX}/${encodeURIComponent(accountId)}/${encodeURIComponent(token)}`;
}

export interface InvitationDeps {
  accounts: AccountsRepo;
  codes: OneTimeCodes;
  /** Queues the mail (the server's mailer, or the outbox directly from the command line). */
  queueMail(mail: MailRequest<'invitation'>): Promise<unknown>;
}

/**
 * `latchkey user create --invite`: an account with no password and an unverified
 * address, and a single-use link (one-time code purpose `invite`, 256 bits, 24 hours)
 * mailed to that address, with which its owner creates the first passkey. The link is
 * the proof beyond nothing: only someone who reads that mailbox can bind a passkey, and
 * doing so verifies the address.
 */
export async function createInvitation(
  { accounts, codes, queueMail }: InvitationDeps,
  input: { email: string; name: string; issuer: string },
): Promise<{ account: Account; url: string }> {
  const account = await accounts.create({ email: input.email, name: input.name, passwordHash: null, emailVerified: false });
  const token = await codes.issue(account.id, 'invite', { format: 'link', ttlSeconds: INVITE_TTL_SECONDS });
  const url = `${input.issuer}${invitePath(account.id, token)}`;
  await queueMail({ to: account.email, template: 'invitation', data: { url, hours: INVITE_TTL_SECONDS / 3600, name: account.name } });
  return { account, url };
}
