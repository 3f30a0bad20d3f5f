import { randomBytes, createHash } from 'node:crypto';
import { Router } from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type Provider from 'oidc-provider';
import compose from 'koa-compose';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { AccountsRepo } from '../accounts/accounts-repo.js';
import { mailPasskeyChange } from '../accounts/passkey-notices.js';
import type { PasskeyProof } from '../accounts/passkey-proof.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../common/clock.js';
import { csrfToken, requireCsrf } from '../pages/csrf.js';
import type { PageModule } from '../pages/page-module.js';
import { renderPage } from '../pages/render.js';
import { rateLimit, type RateLimits } from '../pages/rate-limit.js';
import type { PasskeyCeremonies } from '../passkeys/ceremonies.js';
import { passkeyVerifyBody } from '../passkeys/response-schemas.js';
import { passkeyKind, type Passkey, type PasskeysRepo } from '../passkeys/passkeys-repo.js';
import type { AaguidNameSource } from '../passkeys/authenticator-names.js';
import { passkeyRows, signalsFor } from './passkey-list.js';
import { ACCOUNT_CLIENT_ID, accountRedirectUri } from '../provider/account-client.js';
import { sessionOfRequest } from '../provider/oidc-internals.js';
import type { Mailer } from '../mail/mailer.js';
import type { EphemeralKv } from '../storage/ephemeral-store.js';
import { firstPasskeyRoutes } from './first-passkey.js';
import { signedInGuard, type SignedIn } from './signed-in.js';
import { accountLifecycle, type LifecycleDeps } from './lifecycle.js';
import type { OneTimeCodes } from '../accounts/one-time-codes.js';
import { VERIFY_EMAIL_NOTICES, verifyEmailRoutes } from './verify-email.js';
import type { ApiKeys } from '../clients/api-keys.js';
import { apiKeyRoutes } from './api-keys.js';

export interface AccountUiDeps {
  provider: Provider;
  accounts: AccountsRepo;
  passkeys: PasskeysRepo;
  ceremonies: PasskeyCeremonies;
  audit: AuditLog;
  clock: Clock;
  /** The mailed code a first passkey needs beyond the password (DESIGN.md "Binding"). */
  passkeyProof: PasskeyProof;
  /** Where the session's first-passkey proof is recorded (first-passkey.ts). */
  proofMarks: EphemeralKv;
  mailer: Mailer;
  /** Request-rate limits (pages/rate-limit.ts). */
  limits: RateLimits;
  /** Sessions, apps, password and deletion (lifecycle.ts). */
  lifecycle: Omit<LifecycleDeps, 'provider' | 'accounts' | 'passkeys' | 'audit' | 'clock' | 'guard'>;
  /** Verifying the address (verify-email.ts). */
  codes: OneTimeCodes;
  /** The WebAuthn RP ID the passkeys are scoped to (the page's WebAuthn signals name it). */
  rpId: string;
  /** Names by AAGUID from the operator's FIDO MDS, preferred over the bundled table. */
  aaguidNames?: AaguidNameSource;
  /** The user's own API keys (api-keys.ts), and where their sent forms are marked. */
  apiKeys: ApiKeys;
  apiKeyForms: EphemeralKv;
}

/** Where the account pages live; the dispatch in http/ sends these paths here. */
export const ACCOUNT_PREFIX = '/account';

const renameForm = z.object({ name: z.string().trim().min(1).max(64) });

const NOTICES: Record<string, string> = {
  unmet_authentication_requirements: 'The passkey check was not completed.',
  'passkey-added': 'Passkey added. We mailed you a note about it.',
  'passkey-removed': 'Passkey removed. We mailed you a note about it.',
  ...VERIFY_EMAIL_NOTICES,
};

/**
 * /account — the signed-in user's own page, on the Latchkey session. Signing in (and
 * re-verifying before sensitive changes) goes through the ordinary OIDC interaction as
 * the built-in first-party client, so every sign-in rule applies here too.
 */
export function accountPages({ provider, accounts, passkeys, ceremonies, audit, clock, passkeyProof, proofMarks, mailer, lifecycle, codes, limits, rpId, aaguidNames, apiKeys, apiKeyForms }: AccountUiDeps): PageModule {
  const router = new Router({ prefix: ACCOUNT_PREFIX });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '8kb' });
  const json = bodyParser({ enableTypes: ['json'], jsonLimit: '64kb' });

  const guard = signedInGuard({ provider, accounts, passkeys, clock });
  const { requireSignedIn, missingFreshness } = guard;
  const origin = (ctx: Context) => ({ ip: ctx.ip, userAgent: ctx.get('user-agent') });

  // Tokens are bound to the Latchkey session the page acts for.
  router.use(csrfToken({ issuer: provider.issuer, bind: async (ctx) => `session:${(await sessionOfRequest(provider, ctx))?.uid ?? '-'}` }));
  // The passkey ceremonies share the sign-in's `passkey` budgets: per IP, account and overall.
  const passkeyLimit = rateLimit(limits, { name: 'passkey', keys: (ctx) => ({ ip: ctx.ip, account: (ctx.state.who as SignedIn).account.id, global: 'all' }) });
  const sections = accountLifecycle(router, { ...lifecycle, provider, accounts, passkeys, audit, clock, guard });
  const apiKeySection = apiKeyRoutes(router, { provider, apiKeys, guard, limits, clock, formMarks: apiKeyForms });
  const firstPasskey = firstPasskeyRoutes(router, { passkeys, passkeyProof, proofMarks, clock, guard, form, origin, limits, render: (ctx, who, extra, status) => renderAccount(ctx, who, extra, status) });

  async function renderAccount(ctx: Context, who: SignedIn, extra: { error?: string; codeError?: boolean } = {}, status = 200) {
    const list = await passkeys.listForAccount(who.account.id);
    const needs = await missingFreshness(who);
    const notice = typeof ctx.query.notice === 'string' ? NOTICES[ctx.query.notice] : undefined;
    await renderPage(
      ctx,
      'account',
      {
        title: 'Your account',
        account: who.account,
        passkeyList: passkeyRows(list, aaguidNames),
        webauthnSignals: signalsFor(rpId, who.account, list),
        // "Hardware security key (attested)", "Synced passkey" or "Passkey on this device".
        kindOf: (p: Passkey) => passkeyKind(p).replace(/^./, (c) => c.toUpperCase()),
        needs,
        // The first passkey's code step (only once the password is fresh: a stale one is asked for first).
        firstStage: list.length === 0 && !needs ? await firstPasskey.stage(who) : undefined,
        notice,
        ...(await sections.overview(ctx, who)),
        ...(await apiKeySection.overview(who)),
        ...extra,
      },
      status,
    );
  }

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

  router.get('/', requireSignedIn, async (ctx) => renderAccount(ctx, ctx.state.who as SignedIn));

  router.post('/passkeys/options', requireSignedIn, json, requireCsrf(), passkeyLimit, async (ctx) => {
    const who = ctx.state.who as SignedIn;
    const ttlSeconds = await firstPasskey.bindingWindow(who);
    ctx.body = await ceremonies.registrationOptions({
      binding: { session: who.sessionUid },
      account: who.account,
      existing: await passkeys.listForAccount(who.account.id),
      ttlSeconds,
    });
  });

  router.post('/passkeys/verify', requireSignedIn, json, requireCsrf(), passkeyLimit, async (ctx) => {
    const who = ctx.state.who as SignedIn;
    const body = passkeyVerifyBody.parse(ctx.request.body);
    await firstPasskey.bindingWindow(who);
    const passkey = await ceremonies.register({
      binding: { session: who.sessionUid },
      accountId: who.account.id,
      response: body.credential,
      name: body.name,
      ip: ctx.ip,
    });
    await mailPasskeyChange(mailer, who.account, 'added', passkey.name, origin(ctx));
    ctx.body = { redirect: '/account?notice=passkey-added' };
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
    const id = String(ctx.params.id);
    const removed = (await passkeys.listForAccount(who.account.id)).find((p) => p.id === id);
    if (removed && (await passkeys.remove(who.account.id, id))) {
      await audit.record({ type: 'passkey.removed', accountId: who.account.id, ip: ctx.ip, detail: { passkeyId: id } });
      await mailPasskeyChange(mailer, who.account, 'removed', removed.name, origin(ctx));
      ctx.status = 303;
      return ctx.redirect('/account?notice=passkey-removed');
    }
    ctx.status = 303;
    ctx.redirect('/account');
  });

  verifyEmailRoutes(router, { accounts, codes, mailer, audit, limits }, requireSignedIn, form);

  // The router's middleware is typed for the params it sets itself; as Koa middleware it is sound.
  // allowedMethods: a known path with another method is a 405 with Allow (http/not-found.ts renders it).
  return { prefixes: [ACCOUNT_PREFIX], middleware: compose([router.routes(), router.allowedMethods()] as Middleware[]) };
}
