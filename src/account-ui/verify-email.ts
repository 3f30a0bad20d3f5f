import type { Router } from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { Account, AccountsRepo } from '../accounts/accounts-repo.js';
import { CODE_TTL_SECONDS, type OneTimeCodes } from '../accounts/one-time-codes.js';
import type { AuditLog } from '../audit/audit-log.js';
import { describeDevice } from '../common/device.js';
import type { Mailer } from '../mail/mailer.js';
import { requireCsrf } from '../pages/csrf.js';
import { codeLimit, mailLimit, type RateLimits } from '../pages/rate-limit.js';
import { renderPage } from '../pages/render.js';

export interface VerifyEmailDeps {
  accounts: AccountsRepo;
  codes: OneTimeCodes;
  mailer: Pick<Mailer, 'send'>;
  audit: AuditLog;
  limits: RateLimits;
}

/** The notices /account shows after a redirect (?notice=…). */
export const VERIFY_EMAIL_NOTICES: Record<string, string> = {
  email_verified: 'Your email address is verified.',
};

const codeForm = z.object({ code: z.string().trim().min(1).max(64) });
// Wrong and dead codes get one answer here as on the sign-in pages.
const CODE_NOT_RIGHT = 'That code is not right, or it is no longer valid. Check the latest mail we sent, or send a new code.';

/**
 * /account/verify-email — `email_verified` becomes true only through a code sent to the
 * address (NIST SP 800-63B-4 §3.1.3, OWASP ASVS 5.0 V6.6); the ID token and userinfo
 * claim read the stored flag (provider/find-account.ts). `signedIn` puts the account on
 * ctx.state.who (routes.ts).
 */
export function verifyEmailRoutes(router: Router, deps: VerifyEmailDeps, signedIn: Middleware, form: Middleware): void {
  const who = (ctx: Context) => (ctx.state.who as { account: Account }).account;
  const page = async (ctx: Context, account: Account, extra: { error?: string; notice?: string } = {}, status = 200) =>
    renderPage(
      ctx,
      'verify-email',
      { title: 'Verify your email address', email: account.email, error: extra.error, notice: extra.notice, sent: await deps.codes.pending(account.id, 'verify-email') },
      status,
    );
  const done = (ctx: Context) => {
    ctx.status = 303;
    ctx.redirect('/account?notice=email_verified');
  };

  const accountOf = (ctx: Context) => who(ctx).id;
  // Mailed only to the signed-in account's own address, at its own request: the owner's budget.
  const signedInOwner = async () => true;
  router.post('/verify-email/send', signedIn, form, requireCsrf(), mailLimit(deps.limits, { to: accountOf, owner: signedInOwner, ownerBudget: { points: 5, seconds: 3600 } }), async (ctx) => {
    const account = who(ctx);
    if (account.emailVerified) return done(ctx);
    const code = await deps.codes.issue(account.id, 'verify-email');
    await deps.mailer.send({
      to: account.email,
      template: 'one-time-code',
      data: { code, purpose: 'verify-email', minutes: CODE_TTL_SECONDS / 60, name: account.name, device: describeDevice(ctx.get('user-agent')), ip: ctx.ip },
    });
    ctx.status = 303;
    ctx.redirect('/account/verify-email?sent=1');
  });

  router.get('/verify-email', signedIn, async (ctx) => {
    const account = who(ctx);
    if (account.emailVerified) return done(ctx);
    if (!(await deps.codes.pending(account.id, 'verify-email'))) return page(ctx, account);
    await page(ctx, account, { notice: `We sent a code to ${account.email}. It works for ${CODE_TTL_SECONDS / 60} minutes; a new code replaces it.` });
  });

  router.post('/verify-email', signedIn, form, requireCsrf(), codeLimit(deps.limits, accountOf), async (ctx) => {
    const account = who(ctx);
    if (account.emailVerified) return done(ctx);
    const parsed = codeForm.safeParse(ctx.request.body);
    if (!parsed.success) return page(ctx, account, { error: 'Enter the code from the mail.' }, 400);
    const result = await deps.codes.check(account.id, 'verify-email', parsed.data.code, ctx.ip);
    if (!result.ok) {
      if (result.reason === 'throttled') {
        ctx.set('Retry-After', String(result.retryAfterSeconds));
        return page(ctx, account, { error: 'Too many wrong codes. Wait a while, then send a new code.' }, 429);
      }
      return page(ctx, account, { error: CODE_NOT_RIGHT }, 400);
    }
    if (await deps.accounts.markEmailVerified(account.id, account.email)) {
      await deps.audit.record({ type: 'email.verified', accountId: account.id, ip: ctx.ip });
    }
    done(ctx);
  });
}
