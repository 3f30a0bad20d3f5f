import type { Context, Next } from 'koa';
import type { Account, AccountsRepo } from '../../accounts/accounts-repo.js';
import type { AdminSession, AdminSessions } from './admin-sessions.js';
import type { ConsoleCookies } from './console-cookies.js';
import { refusal } from './refusals.js';

export interface SignedInAdmin {
  account: Account;
  session: AdminSession;
}

/**
 * Every console page runs behind this, on every request: a live admin session (idle and
 * absolute lifetimes, admin-sessions.ts), the Latchkey session it was signed in from
 * still live for the same account (so "sign out everywhere", a password reset or signing
 * out of Latchkey ends the console too), and an account that still exists, is not
 * disabled (lookups leave disabled accounts out) and still holds the admin role. A role
 * revoked or an account disabled a second ago ends the session on its next request. Any
 * store failure propagates: the request fails (500), it never passes.
 */
export function adminGuard(deps: {
  accounts: AccountsRepo;
  sessions: AdminSessions;
  cookies: ConsoleCookies;
  /** The account of the live Latchkey session with this uid, if any. */
  signedInAccount(sessionUid: string): Promise<string | undefined>;
}) {
  const { accounts, sessions, cookies } = deps;
  return async function requireAdmin(ctx: Context, next: Next): Promise<void> {
    const token = cookies.session.get(ctx);
    let session = await sessions.find(token);
    if (session && (await deps.signedInAccount(session.sessionUid)) !== session.accountId) {
      await sessions.end(token);
      session = undefined;
    }
    if (!session) {
      if (token) cookies.session.clear(ctx);
      if (ctx.method === 'GET' || ctx.method === 'HEAD') {
        ctx.redirect(`/admin/sign-in?return=${encodeURIComponent(ctx.url)}`);
        return;
      }
      return refusal(ctx, 'session_ended');
    }
    const account = await accounts.findById(session.accountId);
    if (!account?.isAdmin) {
      await sessions.end(token);
      cookies.session.clear(ctx);
      return refusal(ctx, 'revoked');
    }
    ctx.state.admin = { account, session } satisfies SignedInAdmin;
    // Console pages hold other people's data: never kept by a browser or a proxy.
    ctx.set('Cache-Control', 'no-store');
    await next();
  };
}
