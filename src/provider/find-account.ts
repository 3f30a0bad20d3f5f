import { errors, type FindAccount } from 'oidc-provider';
import { passwordVersion, type Account, type AccountsRepo } from '../accounts/accounts-repo.js';
import type { ReadAhead } from '../adapters/read-ahead.js';
import type { AuditLog } from '../audit/audit-log.js';
import { discardSignedInSession, resumedPasswordVersion, tokenExtra } from './oidc-internals.js';

/**
 * Claims per scope, as OIDC Core §5.4. `openid` also carries acr, amr and auth_time so
 * every ID token reports how the user signed in, requested or not (DESIGN.md
 * "Assurance"); oidc-provider would otherwise include them only on request.
 */
export const CLAIMS = {
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  email: ['email', 'email_verified'],
  profile: ['name'],
} as const;

/**
 * `readAhead`: the account a refresh token's lookup read with it, in this request
 * (read-ahead.ts). `audit`: where a refused resume is recorded.
 *
 * At the engine's resume of a sign-in, the password version its check saw must still be
 * the account's: a reset or change after the password step answered and before the
 * browser came back (a thief holding that answer, or a check that read the account just
 * before a reset) would otherwise open a session the reset cannot have ended (OWASP ASVS
 * 5.0 V7.4.3: end sessions after a credential change). Such a resume ends unsaved, with
 * access_denied for the app.
 */
export function createFindAccount(accounts: AccountsRepo, readAhead?: ReadAhead, audit?: AuditLog): FindAccount {
  return async (ctx, sub, token) => {
    const ahead = readAhead?.take<Account>('Account', sub);
    const account = ahead === undefined ? await accounts.findById(sub) : (ahead ?? undefined);
    if (!account) return undefined;
    const checked = resumedPasswordVersion(ctx);
    if (checked !== undefined && checked !== passwordVersion(account)) {
      discardSignedInSession(ctx);
      // Recorded where it can be (a failed insert is counted as a store error): the refusal stands either way.
      await audit?.record({ type: 'login.refused', accountId: account.id, clientId: ctx.oidc.client?.clientId, ip: ctx.ip, detail: { reason: 'password_changed' } }).catch(() => undefined);
      // The words of any sign-in to start again; the reason is the owner's to read, in the audit log.
      throw new errors.AccessDenied('the sign-in could not be completed: sign in again');
    }
    // At userinfo the access token carries the sign-in's strength (extraTokenClaims).
    const strength = tokenExtra(token);
    return {
      accountId: account.id,
      async claims() {
        return {
          sub: account.id,
          email: account.email,
          email_verified: account.emailVerified,
          name: account.name,
          ...(strength.acr ? { acr: strength.acr, amr: strength.amr, auth_time: strength.auth_time } : {}),
        };
      },
    };
  };
}

