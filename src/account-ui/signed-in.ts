import type Provider from 'oidc-provider';
import type { Context, Next } from 'koa';
import type { AccountsRepo, Account } from '../accounts/accounts-repo.js';
import { epochSeconds, type Clock } from '../common/clock.js';
import { AppError } from '../common/errors.js';
import type { PasskeysRepo } from '../passkeys/passkeys-repo.js';
import { passkeyChangeNeeds, type Factor } from '../provider/assurance.js';
import { sessionOfRequest } from '../provider/oidc-internals.js';

export interface SignedIn {
  account: Account;
  sessionUid: string;
  /** The session's verified factors, each with its own time. */
  factors: Factor[];
}

export function needsFreshFactor(needs: 'password' | 'passkey'): AppError {
  return new AppError('account.reauthentication_required', `Confirm it is you with your ${needs} first (it must be from the last five minutes).`, {
    status: 403,
  });
}

/**
 * Who is signed in on an account page, shared by every account route group: the
 * Latchkey session of the request (an idle or ended one counts as none) and its account.
 */
export function signedInGuard(deps: { provider: Provider; accounts: AccountsRepo; passkeys: PasskeysRepo; clock: Clock }) {
  const { provider, accounts, passkeys, clock } = deps;

  async function signedIn(ctx: Context): Promise<SignedIn | undefined> {
    const session = await sessionOfRequest(provider, ctx);
    if (!session) return undefined;
    const account = await accounts.findById(session.accountId);
    if (!account) return undefined;
    return { account, sessionUid: session.uid, factors: session.factors };
  }

  async function requireSignedIn(ctx: Context, next: Next) {
    const who = await signedIn(ctx);
    if (!who) {
      if (ctx.method === 'GET') return ctx.redirect('/account/sign-in');
      throw new AppError('interaction.expired', 'sign-in expired', { status: 400, expose: false });
    }
    ctx.state.who = who;
    await next();
  }

  /**
   * What a sensitive change needs now: nothing, a fresh password, or a fresh passkey
   * (assurance.ts `passkeyChangeNeeds`: a passkey when the account has one).
   */
  async function missingFreshness(who: SignedIn): Promise<'password' | 'passkey' | undefined> {
    const hasPasskey = (await passkeys.listForAccount(who.account.id)).length > 0;
    return passkeyChangeNeeds(who.factors, hasPasskey, epochSeconds(clock));
  }

  return { signedIn, requireSignedIn, missingFreshness };
}

export type SignedInGuard = ReturnType<typeof signedInGuard>;
