import { createAccountsRepo, type Account } from '../../accounts/accounts-repo.js';
import { canonicalEmail, looksLikeEmail } from '../../accounts/email.js';
import { createInvitation } from '../../accounts/invitations.js';
import { checkNewPassword } from '../../accounts/password-policy.js';
import { hashPassword } from '../../accounts/passwords.js';
import { unlockSignIn } from '../../accounts/unlock.js';
import { revokeByAccount } from '../../adapters/revoke-by-account.js';
import type { AuditEvent } from '../../audit/audit-log.js';
import { AppError } from '../../common/errors.js';
import { createPasskeysRepo } from '../../passkeys/passkeys-repo.js';
import { actorDetail, adminErrors, checkIfMatch, etagOf, type Actor, type AdminDeps } from './context.js';
import { loadAccount, userCore } from './users-read.js';

const invalid = (message: string) => new AppError('admin.invalid', message, { status: 400 });

export interface NewUser {
  email: string;
  name: string;
  /** Set this password (checked against the policy); leave out with `invite`. */
  password?: string | undefined;
  /** No password: mail a single-use link to create the first passkey (accounts/invitations.ts). */
  invite?: boolean | undefined;
  emailVerified?: boolean | undefined;
  admin?: boolean | undefined;
}

/** Creates an account with a password, or invites its owner; an audit event names the admin. */
export async function createUser(
  // Codes and mail are for invitations only: a command that sets a password needs neither.
  deps: Pick<AdminDeps, 'db' | 'config' | 'audit'> & Partial<Pick<AdminDeps, 'codes' | 'queueMail'>>,
  actor: Actor,
  input: NewUser,
): Promise<{ account: Account; inviteUrl?: string }> {
  if (!looksLikeEmail(canonicalEmail(input.email))) throw invalid(`${input.email} is not an email address`);
  if (!input.name.trim()) throw invalid('give the user a name');
  const accounts = createAccountsRepo(deps.db);
  let result: { account: Account; inviteUrl?: string };
  if (input.invite) {
    if (input.password !== undefined) throw invalid('an invited account has no password (the link creates its passkey)');
    if (input.emailVerified) throw invalid('the address of an invited account is verified by the invitation itself');
    if (!deps.codes || !deps.queueMail) throw new Error('inviting needs one-time codes and mail');
    const invited = await createInvitation({ accounts, codes: deps.codes, queueMail: deps.queueMail }, { email: input.email, name: input.name, issuer: deps.config.issuer });
    if (input.admin) await accounts.setAdmin(invited.account.id, true);
    result = { account: { ...invited.account, isAdmin: input.admin ?? false }, inviteUrl: invited.url };
  } else {
    if (input.password === undefined) throw invalid('give a password, or invite the user');
    const problem = await checkNewPassword(input.password, input, deps.config.passwordPolicy);
    if (problem) throw invalid(`password: ${problem}`);
    const account = await accounts.create({ email: input.email, name: input.name, passwordHash: await hashPassword(input.password), emailVerified: input.emailVerified ?? false, isAdmin: input.admin ?? false });
    result = { account };
  }
  await deps.audit.record({ type: 'account.created', accountId: result.account.id, detail: { ...actorDetail(actor), invited: Boolean(input.invite), admin: input.admin ?? false } });
  return result;
}

const isSelf = (actor: Actor, accountId: string) => actor.kind === 'account' && actor.id === accountId;

export interface Precondition {
  /** The If-Match the caller sent (the API and console); undefined: no check. */
  ifMatch?: string | undefined;
}

/**
 * Disables (every session, grant and token of the account ends at once:
 * adapters/revoke-by-account.ts) or enables an account: the CLI's `user disable|enable`,
 * which says so when there is nothing to do. An admin cannot disable themselves.
 */
export async function setUserDisabled(deps: Pick<AdminDeps, 'db' | 'clock' | 'audit'>, actor: Actor, id: string, disabled: boolean): Promise<Account> {
  const account = await loadAccount(deps, id);
  if (Boolean(account.disabledAt) === disabled) throw adminErrors.conflict(`${account.email} ${disabled ? 'is already disabled' : 'is not disabled'}`);
  return updateUser(deps, actor, id, { disabled });
}

/** Grants or revokes the admin role (`user grant-admin|revoke-admin`); an admin cannot revoke their own. */
export async function setUserAdmin(deps: Pick<AdminDeps, 'db' | 'clock' | 'audit'>, actor: Actor, id: string, admin: boolean): Promise<Account> {
  const account = await loadAccount(deps, id);
  if ((account.isAdmin ?? false) === admin) throw adminErrors.conflict(`${account.email} ${admin ? 'is already an admin' : 'is not an admin'}`);
  return updateUser(deps, actor, id, { admin });
}

export interface UserChange {
  name?: string | undefined;
  disabled?: boolean | undefined;
  admin?: boolean | undefined;
}

/**
 * Changes an account (name, disabled, admin role) in one transaction that holds its row,
 * after the If-Match check (RFC 9110 §13.1.1): two admins editing at once cannot
 * overwrite each other silently; the second gets 412. Asking for what already is so
 * changes nothing. Refused: disabling yourself, revoking your own role (the last admin
 * could lock everyone out). Disabling ends every session, grant and token at once.
 */
export async function updateUser(deps: Pick<AdminDeps, 'db' | 'clock' | 'audit'>, actor: Actor, id: string, change: UserChange, pre: Precondition = {}): Promise<Account> {
  if (change.disabled === true && isSelf(actor, id)) throw adminErrors.selfRefused('you cannot disable your own account');
  if (change.admin === false && isSelf(actor, id)) throw adminErrors.selfRefused('you cannot revoke your own admin role');
  if (change.name !== undefined && !change.name.trim()) throw invalid('give the user a name');
  const events: AuditEvent[] = [];
  const event = (type: string, detail: Record<string, unknown> = {}) => events.push({ type, accountId: id, detail: { ...actorDetail(actor), ...detail } });
  const updated = await deps.db.transaction(async (tx) => {
    const accounts = createAccountsRepo(tx);
    const current = await accounts.findForUpdate(id);
    if (!current) throw adminErrors.notFound(`user ${id}`);
    checkIfMatch(pre.ifMatch, etagOf(userCore(current)));
    if (change.name !== undefined && change.name.trim() !== current.name) {
      await accounts.rename(id, change.name.trim());
      event('profile.updated');
    }
    if (change.disabled !== undefined && change.disabled !== Boolean(current.disabledAt)) {
      await accounts.setDisabled(id, change.disabled ? deps.clock() : null);
      if (change.disabled) event('account.disabled', await revokeByAccount(tx, id));
      else event('account.enabled');
    }
    if (change.admin !== undefined && change.admin !== (current.isAdmin ?? false)) {
      await accounts.setAdmin(id, change.admin);
      event(change.admin ? 'account.admin_granted' : 'account.admin_revoked');
    }
    return (await accounts.findById(id, { includeDisabled: true }))!;
  });
  // After the commit: the server's audit log writes on its own connection (PGlite has one).
  for (const e of events) await deps.audit.record(e);
  return updated;
}

/** Lifts the password lockout of the account's address (accounts/unlock.ts). */
export async function unlockUser(deps: Pick<AdminDeps, 'db' | 'ephemeral' | 'config' | 'audit'>, actor: Actor, id: string): Promise<void> {
  const account = await loadAccount(deps, id);
  await unlockSignIn(deps.ephemeral, deps.config, account.email);
  await deps.audit.record({ type: 'account.unlocked', accountId: id, detail: actorDetail(actor) });
}

/** Ends every session, grant and refresh token of the account: it signs in again everywhere. */
export async function signOutEverywhere(deps: Pick<AdminDeps, 'db' | 'audit'>, actor: Actor, id: string): Promise<{ sessions: number; grants: number; refreshTokens: number }> {
  await loadAccount(deps, id);
  const ended = await revokeByAccount(deps.db, id);
  await deps.audit.record({ type: 'account.signed_out', accountId: id, detail: { ...actorDetail(actor), ...ended } });
  return ended;
}

/** Removes one passkey of the account; its owner is told by mail, as for their own removals. */
export async function removeUserPasskey(deps: Pick<AdminDeps, 'db' | 'audit' | 'queueMail' | 'trust'>, actor: Actor, id: string, passkeyId: string): Promise<void> {
  const account = await loadAccount(deps, id);
  const passkeys = createPasskeysRepo(deps.db, deps.trust);
  const passkey = (await passkeys.listForAccount(id)).find((p) => p.id === passkeyId);
  if (!passkey || !(await passkeys.remove(id, passkeyId))) throw adminErrors.notFound(`passkey ${passkeyId} on user ${id}`);
  await deps.audit.record({ type: 'passkey.removed', accountId: id, detail: { ...actorDetail(actor), passkeyId } });
  await deps.queueMail({ to: account.email, template: 'passkey-removed', data: { passkeyName: passkey.name, name: account.name } });
}

/**
 * Asks the owner to choose a new password: a mail with a link to the sign-in page, whose
 * "Forgot your password?" sends them the reset flow's own code (interactions/
 * reset-password.ts). The admin never sees a code, and the password keeps working until
 * its owner changes it, so nobody can use this to lock someone out.
 */
export async function sendPasswordReset(deps: Pick<AdminDeps, 'db' | 'config' | 'audit' | 'queueMail'>, actor: Actor, id: string): Promise<void> {
  const account = await loadAccount(deps, id);
  if (account.disabledAt) throw adminErrors.conflict(`${account.email} is disabled: enable it first`);
  const url = `${deps.config.issuer.replace(/\/+$/, '')}/account/sign-in`;
  await deps.queueMail({ to: account.email, template: 'reset-requested', data: { url, name: account.name } });
  await deps.audit.record({ type: 'password.reset_requested', accountId: id, detail: actorDetail(actor) });
}
