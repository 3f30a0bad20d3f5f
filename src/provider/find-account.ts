import type { FindAccount } from 'oidc-provider';
import type { AccountsRepo } from '../accounts/accounts-repo.js';
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

export function createFindAccount(accounts: AccountsRepo): FindAccount {
  return async (_ctx, sub, token) => {
    const account = await accounts.findById(sub);
    if (!account) return undefined;
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
