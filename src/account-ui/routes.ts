import { randomBytes, createHash } from 'node:crypto';
import { Router } from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type Provider from 'oidc-provider';
import compose from 'koa-compose';
import type { Middleware } from 'koa';
import { z } from 'zod';
import type { AccountsRepo } from '../accounts/accounts-repo.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../common/clock.js';
import { csrfToken, requireCsrf } from '../pages/csrf.js';
import type { PageModule } from '../pages/page-module.js';
import { renderPage } from '../pages/render.js';
import type { PasskeyCeremonies } from '../passkeys/ceremonies.js';
import { passkeyVerifyBody } from '../passkeys/response-schemas.js';
import type { PasskeysRepo } from '../passkeys/passkeys-repo.js';
import { ACCOUNT_CLIENT_ID, accountRedirectUri } from '../provider/account-client.js';
import { needsFreshFactor, signedInGuard, type SignedIn } from './signed-in.js';
import { accountLifecycle, type LifecycleDeps } from './lifecycle.js';

export interface AccountUiDeps {
  provider: Provider;
  accounts: AccountsRepo;
  passkeys: PasskeysRepo;
  ceremonies: PasskeyCeremonies;
  audit: AuditLog;
  clock: Clock;
  /** Sessions, apps, password and deletion (lifecycle.ts). */
  lifecycle: Omit<LifecycleDeps, 'provider' | 'accounts' | 'passkeys' | 'audit' | 'clock' | 'guard'>;
}

/** Where the account pages live; the dispatch in http/ sends these paths here. */
export const ACCOUNT_PREFIX = '/account';

const renameForm = z.object({ name: z.string().trim().min(1).max(64) });

/**
 * /account — the signed-in user's own page, on the Latchkey session. Signing in (and
 * re-verifying before sensitive changes) goes through the ordinary OIDC interaction as
 * the built-in first-party client, so every sign-in rule applies here too.
 */
export function accountPages({ provider, accounts, passkeys, ceremonies, audit, clock, lifecycle }: AccountUiDeps): PageModule {
  const router = new Router({ prefix: ACCOUNT_PREFIX });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '8kb' });
  const json = bodyParser({ enableTypes: ['json'], jsonLimit: '64kb' });

  const guard = signedInGuard({ provider, accounts, passkeys, clock });
  const { requireSignedIn, missingFreshness } = guard;

  router.use(csrfToken());
  const sections = accountLifecycle(router, { ...lifecycle, provider, accounts, passkeys, audit, clock, guard });

  router.get('/sign-in', async (ctx) => {
    const reauth = ctx.query.reauth;
    // PKCE is required of every client; this one never redeems its code (the session
    // cookie is what the account page uses), so the verifier is not kept.
    const challenge = createHash('sha256').update(randomBytes(32)).digest('base64url');
    const params = new URLSearchParams({
      client_id: ACCOUNT_CLIENT_ID,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: accountRedirectUri(provider.issuer),
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: randomBytes(12).toString('base64url'),
    });
    if (reauth === 'password') params.set('prompt', 'login');
    if (reauth === 'passkey') {
      // phr lifts a password session; max_age=1 makes an older passkey session verify
      // again. (max_age=0 would mean prompt=login: a full sign-in, not a step-up.)
      params.set('acr_values', 'phr');
      params.set('max_age', '1');
    }
    ctx.redirect(`/auth?${params}`);
  });

  router.get('/callback', async (ctx) => {
    const error = typeof ctx.query.error === 'string' ? ctx.query.error : undefined;
    ctx.redirect(error ? `/account?notice=${encodeURIComponent(error)}` : '/account');
  });

  router.get('/', requireSignedIn, async (ctx) => {
    const who = ctx.state.who as SignedIn;
    const list = await passkeys.listForAccount(who.account.id);
    const notice = ctx.query.notice === 'unmet_authentication_requirements' ? 'The passkey check was not completed.' : undefined;
    await renderPage(ctx, 'account', {
      title: 'Your account',
      account: who.account,
      passkeyList: list,
      needs: await missingFreshness(who),
      notice,
      ...(await sections.overview(ctx, who)),
    });
  });

  router.post('/passkeys/options', requireSignedIn, json, requireCsrf(), async (ctx) => {
    const who = ctx.state.who as SignedIn;
    const needs = await missingFreshness(who);
    if (needs) throw needsFreshFactor(needs);
    ctx.body = await ceremonies.registrationOptions({
      binding: { session: who.sessionUid },
      account: who.account,
      existing: await passkeys.listForAccount(who.account.id),
    });
  });

  router.post('/passkeys/verify', requireSignedIn, json, requireCsrf(), async (ctx) => {
    const who = ctx.state.who as SignedIn;
    const body = passkeyVerifyBody.parse(ctx.request.body);
    const needs = await missingFreshness(who);
    if (needs) throw needsFreshFactor(needs);
    await ceremonies.register({
      binding: { session: who.sessionUid },
      accountId: who.account.id,
      response: body.credential,
      name: body.name || 'Passkey',
      ip: ctx.ip,
    });
    ctx.body = { redirect: '/account' };
  });

  router.post('/passkeys/:id/rename', requireSignedIn, form, requireCsrf(), async (ctx) => {
    const who = ctx.state.who as SignedIn;
    const { name } = renameForm.parse(ctx.request.body);
    if (await passkeys.rename(who.account.id, String(ctx.params.id), name)) {
      await audit.record({ type: 'passkey.renamed', accountId: who.account.id, ip: ctx.ip, detail: { passkeyId: ctx.params.id } });
    }
    ctx.status = 303;
    ctx.redirect('/account');
  });

  router.post('/passkeys/:id/delete', requireSignedIn, form, requireCsrf(), async (ctx) => {
    const who = ctx.state.who as SignedIn;
    if (await missingFreshness(who)) {
      ctx.status = 303;
      return ctx.redirect('/account/sign-in?reauth=passkey');
    }
    if (await passkeys.remove(who.account.id, String(ctx.params.id))) {
      await audit.record({ type: 'passkey.removed', accountId: who.account.id, ip: ctx.ip, detail: { passkeyId: ctx.params.id } });
    }
    ctx.status = 303;
    ctx.redirect('/account');
  });

  // The router's middleware is typed for the params it sets itself; as Koa middleware it is sound.
  // allowedMethods: a known path with another method is a 405 with Allow (http/not-found.ts renders it).
  return { prefixes: [ACCOUNT_PREFIX], middleware: compose([router.routes(), router.allowedMethods()] as Middleware[]) };
}
