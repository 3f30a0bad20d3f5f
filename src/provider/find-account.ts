import type { FindAccount } from 'oidc-provider';
import type { AccountsRepo } from '../accounts/accounts-repo.js';

/** Claims per scope: `openid` gives `sub`, the rest as OIDC Core §5.4. */
export const CLAIMS = {
  openid: ['sub'],
  email: ['email', 'email_verified'],
  profile: ['name'],
} as const;

export function createFindAccount(accounts: AccountsRepo): FindAccount {
  return async (_ctx, sub) => {
    const account = await accounts.findById(sub);
    if (!account) return undefined;
    return {
      accountId: account.id,
      async claims() {
        return { sub: account.id, email: account.email, email_verified: account.emailVerified, name: account.name };
      },
    };
  };
}
