import type { FindAccount } from 'oidc-provider';
import type { Account, AccountsRepo } from '../accounts/accounts-repo.js';
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
  return async (_ctx, sub, token) => {
    const ahead = readAhead?.take<Account>('Account', sub);
    const account = ahead === undefined ? await accounts.findById(sub) : (ahead ?? undefined);
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
