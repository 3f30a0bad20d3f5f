import { errors, type FindAccount, type KoaContextWithOIDC } from 'oidc-provider';
import { passwordVersion, type Account, type AccountsRepo } from '../accounts/accounts-repo.js';
import type { ReadAhead } from '../adapters/read-ahead.js';
import { tokenExtra } from './oidc-internals.js';

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

/** `readAhead`: the account a refresh token's lookup read with it, in this request (read-ahead.ts). */
export function createFindAccount(accounts: AccountsRepo, readAhead?: ReadAhead): FindAccount {
  return async (ctx, sub, token) => {
    const ahead = readAhead?.take<Account>('Account', sub);
    const account = ahead === undefined ? await accounts.findById(sub) : (ahead ?? undefined);
    if (!account) return undefined;
    if (checkedOldPassword(ctx, account)) {
      // The session this request just signed in ends with it (the engine saves it otherwise).
      await ctx.oidc.session?.destroy();
      throw new errors.AccessDenied('the password changed before this sign-in finished: sign in again');
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

/**
 * At the engine's resume of a sign-in: whether its password was checked against a version
 * the account no longer has. A reset or change after the password step's answer and
 * before the browser came back (a thief holding that answer, or a check that read the
 * account just before a reset) would otherwise open a session the reset cannot have
 * ended (OWASP ASVS 5.0 V7.4.3: end sessions after a credential change).
 */
function checkedOldPassword(ctx: KoaContextWithOIDC, account: Account): boolean {
  if (ctx.oidc?.route !== 'resume') return false;
  const checked = (ctx.oidc.result as { login?: { passwordVersion?: unknown } } | undefined)?.login?.passwordVersion;
  return typeof checked === 'number' && checked !== passwordVersion(account);
}
