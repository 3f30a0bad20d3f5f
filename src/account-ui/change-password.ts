import type { Context } from 'koa';
import { z } from 'zod';
import { checkNewPassword, type PasswordPolicy } from '../accounts/password-policy.js';
import { hashPassword, PASSWORD_MAX_LENGTH } from '../accounts/passwords.js';
import { revokeByAccount } from '../adapters/revoke-by-account.js';
import { epochSeconds } from '../common/clock.js';
import { requireCsrf } from '../pages/csrf.js';
import { renderPage } from '../pages/render.js';
import { passkeyChangeNeeds } from '../provider/assurance.js';
import { doneRedirect, formBody, mailContext, who, type AccountRouteDeps, type AccountRouter } from './account-kit.js';
import type { SignedIn } from './signed-in.js';

// Over-long input is refused by the policy with a readable message, not by the parser.
const passwordForm = z.object({
  current: z.string().max(4 * PASSWORD_MAX_LENGTH).optional(),
  password: z.string().max(4 * PASSWORD_MAX_LENGTH).default(''),
});

type Field = 'current' | 'password';

/**
 * /account/password: change the password, or set one on a passkey-only account.
 *
 * - The current password is required when there is one (OWASP ASVS 5.0 V6.2.3), checked
 *   through the sign-in's own lockout budget, so a stolen session cannot guess it faster
 *   than the sign-in page could.
 * - With a passkey on the account a fresh passkey is required as well (the same rule as
 *   changing passkeys, assurance.ts `passkeyChangeNeeds`): the password is the weaker
 *   factor and must not be replaceable with itself alone. A passkey-only account sets a
 *   password with the fresh passkey alone.
 * - The new one goes through the password policy (NIST SP 800-63B-4 §3.1.1.2).
 * - Afterwards every other session and every refresh token of the account ends (ASVS
 *   V7.4.3), the current session stays; grants (consents) stay, so apps ask for a new
 *   sign-in rather than new consent; their access tokens end with their short lifetime.
 */
export function changePasswordRoutes(router: AccountRouter, deps: AccountRouteDeps & { passwordPolicy: PasswordPolicy }): void {
  const { guard, accounts, passkeys, passwordLogin, mailer, audit, clock, db, rememberBrowser } = deps;
  const form = formBody();

  async function needsPasskey(me: SignedIn): Promise<boolean> {
    const hasPasskey = (await passkeys.listForAccount(me.account.id)).length > 0;
    return hasPasskey && passkeyChangeNeeds(me.factors, true, epochSeconds(clock)) !== undefined;
  }

  async function show(ctx: Context, me: SignedIn, error?: { field: Field; message: string }, status = 200) {
    const hasPassword = Boolean(me.account.passwordHash);
    const hasPasskey = (await passkeys.listForAccount(me.account.id)).length > 0;
    await renderPage(
      ctx,
      'account-password',
      {
        title: hasPassword ? 'Change your password' : 'Set a password',
        hasPassword,
        // A passkey-only account without a passkey (cannot happen today) has no way to prove itself here.
        needsPasskey: (hasPasskey && (await needsPasskey(me))) || (!hasPassword && !hasPasskey),
        minLength: deps.passwordPolicy.minLength,
        email: me.account.email,
        error,
      },
      status,
    );
  }

  router.get('/password', guard.requireSignedIn, async (ctx) => {
    await show(ctx, who(ctx));
  });

  router.post('/password', guard.requireSignedIn, form, requireCsrf(), async (ctx) => {
    const me = who(ctx);
    const input = passwordForm.parse(ctx.request.body);
    const hasPassword = Boolean(me.account.passwordHash);
    const hasPasskey = (await passkeys.listForAccount(me.account.id)).length > 0;
    if ((hasPasskey && (await needsPasskey(me))) || (!hasPassword && !hasPasskey)) return show(ctx, me, undefined, 403);

    if (hasPassword) {
      const current = input.current ?? '';
      const checked = current ? await passwordLogin({ email: me.account.email, password: current, ip: ctx.ip }) : undefined;
      if (!checked?.ok || checked.account.id !== me.account.id) {
        const message =
          checked && !checked.ok && checked.reason !== 'invalid'
            ? 'Too many wrong passwords. Wait a while and try again, or reset your password from the sign-in page.'
            : 'That is not your current password.';
        return show(ctx, me, { field: 'current', message }, 400);
      }
    }
    const problem = await checkNewPassword(input.password, { email: me.account.email, name: me.account.name }, deps.passwordPolicy);
    if (problem) return show(ctx, me, { field: 'password', message: problem }, 400);

    const changedAt = clock();
    await accounts.changePassword(me.account.id, await hashPassword(input.password), changedAt);
    // The owner's browser stays known to the account; every other one is a stranger now.
    rememberBrowser(ctx, { id: me.account.id, passwordChangedAt: changedAt });
    const ended = await revokeByAccount(db, me.account.id, { keepSessionUid: me.sessionUid, keepGrants: true });
    await audit.record({
      type: 'password.changed',
      accountId: me.account.id,
      ip: ctx.ip,
      detail: { set: !hasPassword, sessionsEnded: ended.sessions, refreshTokensRevoked: ended.refreshTokens },
    });
    await mailer.send({ to: me.account.email, template: 'password-changed', data: { ...mailContext(ctx, me.account) } });
    doneRedirect(ctx, hasPassword ? 'password-changed' : 'password-set');
  });
}
