import type { Context } from 'koa';
import { z } from 'zod';
import { canonicalEmail } from '../accounts/email.js';
import { revokeByAccount } from '../adapters/revoke-by-account.js';
import { requireCsrf } from '../pages/csrf.js';
import { renderPage } from '../pages/render.js';
import { formBody, mailContext, who, type AccountRouteDeps, type AccountRouter } from './account-kit.js';
import type { SignedIn } from './signed-in.js';

const deleteForm = z.object({ confirm: z.string().max(1024).default('') });

/**
 * /account/delete: the owner deletes the account. It needs a fresh step-up (a passkey
 * when the account has one, else a password sign-in from the last five minutes: the
 * same rule as changing passkeys) and the email address typed out, so neither a stolen
 * idle session nor a stray click deletes it (OWASP ASVS 5.0 V7.5.1: re-authentication
 * before sensitive changes). Then every session, grant and refresh token ends
 * (revokeByAccount), the account and its passkeys are deleted, and a last mail goes to
 * the address. Audit events keep the account id (they outlive the account by design).
 */
export function deleteAccountRoutes(router: AccountRouter, deps: AccountRouteDeps): void {
  const { guard, accounts, mailer, audit, db } = deps;
  const form = formBody();

  async function show(ctx: Context, me: SignedIn, error?: string, status = 200) {
    await renderPage(
      ctx,
      'account-delete',
      { title: 'Delete your account', email: me.account.email, needs: await guard.missingFreshness(me), error },
      status,
    );
  }

  router.get('/delete', guard.requireSignedIn, async (ctx) => {
    await show(ctx, who(ctx));
  });

  router.post('/delete', guard.requireSignedIn, form, requireCsrf(), async (ctx) => {
    const me = who(ctx);
    if (await guard.missingFreshness(me)) return show(ctx, me, undefined, 403);
    const { confirm } = deleteForm.parse(ctx.request.body);
    if (canonicalEmail(confirm) !== canonicalEmail(me.account.email)) {
      return show(ctx, me, 'Type your email address exactly as shown to confirm.', 400);
    }
    const ended = await revokeByAccount(db, me.account.id);
    await accounts.remove(me.account.id);
    await audit.record({ type: 'account.deleted', accountId: me.account.id, ip: ctx.ip, detail: { sessions: ended.sessions, grants: ended.grants } });
    await mailer.send({ to: me.account.email, template: 'account-deleted', data: mailContext(ctx, me.account) });
    await renderPage(ctx, 'account-deleted', { title: 'Your account was deleted', email: me.account.email });
  });
}
