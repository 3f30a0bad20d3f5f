import { Router } from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import compose from 'koa-compose';
import type { Context, Middleware, Next } from 'koa';
import type { AccountsRepo, Account } from '../accounts/accounts-repo.js';
import { INVITE_PREFIX } from '../accounts/invitations.js';
import type { OneTimeCodes } from '../accounts/one-time-codes.js';
import { mailPasskeyChange } from '../accounts/passkey-notices.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Mailer } from '../mail/mailer.js';
import { csrfToken, requireCsrf } from '../pages/csrf.js';
import { rateLimit, type RateLimits } from '../pages/rate-limit.js';
import type { PageModule } from '../pages/page-module.js';
import { renderPage } from '../pages/render.js';
import type { PasskeyCeremonies } from '../passkeys/ceremonies.js';
import { PasskeyError } from '../passkeys/passkey-error.js';
import type { PasskeysRepo } from '../passkeys/passkeys-repo.js';
import { passkeyVerifyBody } from '../passkeys/response-schemas.js';

export interface InvitePagesDeps {
  accounts: AccountsRepo;
  passkeys: PasskeysRepo;
  ceremonies: PasskeyCeremonies;
  codes: OneTimeCodes;
  audit: AuditLog;
  mailer: Mailer;
  /** The product name people know (the WebAuthn relying-party name). */
  productName: string;
  issuer: string;
  limits: RateLimits;
}

const DEAD = 'This invitation link no longer works: it was already used, or it is more than 24 hours old. Ask whoever invited you for a new one.';

/**
 * /invite/:account/:token — the page an invitation mail links to (accounts/invitations.ts).
 * GET only looks (mail scanners open links before people do): it never uses the link up.
 * The passkey options need the live link; the verify uses it up atomically between the
 * verified response and storing the passkey, so two racing verifies yield one passkey.
 */
export function invitePages({ accounts, passkeys, ceremonies, codes, audit, mailer, productName, issuer, limits }: InvitePagesDeps): PageModule {
  const router = new Router({ prefix: INVITE_PREFIX });
  const json = bodyParser({ enableTypes: ['json'], jsonLimit: '64kb' });

  /** The invited account, when the link is live and the account has no passkey yet; else undefined. */
  async function invited(ctx: Context): Promise<Account | undefined> {
    const accountId = String(ctx.params.account);
    const token = String(ctx.params.token);
    if (!(await codes.linkIsLive(accountId, 'invite', token))) return undefined;
    const account = await accounts.findById(accountId);
    if (!account || (await passkeys.listForAccount(account.id)).length > 0) return undefined;
    return account;
  }

  async function requireLive(ctx: Context, next: Next) {
    const account = await invited(ctx);
    if (!account) throw new PasskeyError('passkey.invitation_dead', DEAD, 410);
    ctx.state.invited = account;
    await next();
  }

  // Tokens are bound to the invitation the page acts for.
  router.use(csrfToken({ issuer, bind: (ctx) => `invitation:${String(ctx.params.account ?? '-')}` }));

  router.get('/done', async (ctx) => {
    await renderPage(ctx, 'invite-done', { title: 'Your passkey is ready', productName });
  });

  router.get('/:account/:token', async (ctx) => {
    // The link is a secret: it must not leave in a Referer (the pages send no-referrer) or be cached.
    ctx.set('Cache-Control', 'no-store');
    const account = await invited(ctx);
    if (!account) return renderPage(ctx, 'invite', { title: 'Invitation link expired', dead: true, message: DEAD, productName }, 410);
    await renderPage(ctx, 'invite', {
      title: `Create your passkey for ${productName}`,
      dead: false,
      productName,
      account,
      base: ctx.path,
    });
  });

  // WebAuthn verification is costly: per client address and overall, under a name of its
  // own, never the account's passkey budget (anyone who knows a sub could spend that).
  const passkeyLimit = rateLimit(limits, { name: 'invitation' });

  router.post('/:account/:token/passkey/options', passkeyLimit, requireLive, json, requireCsrf(), async (ctx) => {
    const account = ctx.state.invited as Account;
    ctx.body = await ceremonies.registrationOptions({ binding: { invitation: account.id }, account, existing: [] });
  });

  router.post('/:account/:token/passkey/verify', passkeyLimit, json, requireCsrf(), async (ctx) => {
    const accountId = String(ctx.params.account);
    const account = await accounts.findById(accountId);
    if (!account) throw new PasskeyError('passkey.invitation_dead', DEAD, 410);
    const body = passkeyVerifyBody.parse(ctx.request.body);
    const passkey = await ceremonies.register({
      binding: { invitation: account.id },
      accountId: account.id,
      response: body.credential,
      name: body.name,
      ip: ctx.ip,
      // Uses the link up (one atomic UPDATE): of two racing verifies, one stores a passkey.
      beforeSave: async () => {
        const used = await codes.check(account.id, 'invite', String(ctx.params.token), ctx.ip);
        if (!used.ok) throw new PasskeyError('passkey.invitation_dead', DEAD, 410);
      },
    });
    // The link came from the account's mailbox: that address is now proven.
    await accounts.markEmailVerified(account.id, account.email);
    await audit.record({ type: 'invitation.accepted', accountId: account.id, ip: ctx.ip, detail: { passkeyId: passkey.id } });
    await mailPasskeyChange(mailer, account, 'added', passkey.name, { ip: ctx.ip, userAgent: ctx.get('user-agent') });
    ctx.body = { redirect: `${INVITE_PREFIX}/done` };
  });

  // The router's middleware is typed for the params it sets itself; as Koa middleware it is sound.
  return { prefixes: [INVITE_PREFIX], middleware: compose([router.routes(), router.allowedMethods()] as Middleware[]) };
}
