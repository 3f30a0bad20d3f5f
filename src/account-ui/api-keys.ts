import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { ApiKeyInputError, type ApiKeys } from '../clients/api-keys.js';
import type { Clock } from '../common/clock.js';
import { AppError } from '../common/errors.js';
import { requireCsrf } from '../pages/csrf.js';
import { rateLimit, type RateLimits } from '../pages/rate-limit.js';
import { renderPage } from '../pages/render.js';
import { confirmPage, doneRedirect, formBody, who, type AccountRouter } from './account-kit.js';
import { curlLines, dayOf, describeGrants, parseCreateForm, parseOverlap, type CreateInput } from './api-key-forms.js';
import type { SignedIn, SignedInGuard } from './signed-in.js';
import type { EphemeralKv } from '../storage/ephemeral-store.js';

export interface ApiKeyRouteDeps {
  provider: Provider;
  apiKeys: ApiKeys;
  guard: SignedInGuard;
  limits: RateLimits;
  clock: Clock;
  /** Where sent creation forms are marked, so a reload or double click makes one key, not two. */
  formMarks: EphemeralKv;
}

const DAY_MS = 24 * 3600 * 1000;

function keyNotFound(): AppError {
  return new AppError('api_key.not_found', 'That API key does not exist any more (or is not yours).', { status: 404 });
}

/**
 * /account/api-keys: the signed-in user's own API keys (clients/api-keys.ts). Creating
 * and rotating one hands out a credential, so each needs the same fresh step-up as
 * changing passkeys (a passkey when the account has one, else a password from the last
 * five minutes: signed-in.ts missingFreshness); revoking only takes power away and needs
 * a confirmation. A secret is shown once, on the page that answers the POST (never in
 * a URL; pages are no-store), and every change is an audit event. Ids of another
 * account's keys are "not found", whatever they are.
 */
export function apiKeyRoutes(router: AccountRouter, deps: ApiKeyRouteDeps) {
  const { apiKeys, guard, provider } = deps;
  const form = formBody();
  const tokenEndpoint = `${provider.issuer}${provider.pathFor('token')}`;
  // Each creation or rotation writes rows: a bound per account beside the per-account key limit.
  const limit = rateLimit(deps.limits, {
    name: 'api-keys',
    keys: (ctx) => ({ ip: ctx.ip, account: who(ctx).account.id }),
    budgets: { account: { points: 30, seconds: 3600 } },
  });
  const origin = (ctx: Context) => ({ ip: ctx.ip });

  async function showForm(ctx: Context, me: SignedIn, input?: CreateInput, error?: ApiKeyInputError, status = 200) {
    const now = deps.clock().getTime();
    await renderPage(
      ctx,
      'account-api-key-new',
      {
        title: 'Create an API key',
        needs: await guard.missingFreshness(me),
        resources: await apiKeys.delegable(),
        count: (await apiKeys.list(me.account.id)).length,
        perAccount: apiKeys.policy.perAccount,
        maxDays: apiKeys.policy.maxDays,
        minDate: dayOf(new Date(now + DAY_MS)),
        maxDate: dayOf(apiKeys.latestExpiry()),
        once: randomBytes(16).toString('base64url'),
        name: input?.name ?? '',
        chosen: input?.chosen ?? [],
        expires: input ? input.expiresText : dayOf(new Date(Math.min(now + 90 * DAY_MS, apiKeys.latestExpiry().getTime()))),
        fieldError: error?.field ? { field: error.field, message: error.message } : undefined,
        formError: error && !error.field ? error.message : undefined,
      },
      status,
    );
  }

  async function showSecret(ctx: Context, page: { title: string; notice: string }, key: { clientId: string; clientSecret: string; name: string }) {
    const stored = await apiKeys.find(who(ctx).account.id, key.clientId);
    const grants = stored?.grants ?? [];
    await renderPage(ctx, 'account-api-key-secret', {
      ...page,
      key: { ...key, expiresAt: stored?.expiresAt },
      tokenEndpoint,
      curl: curlLines(tokenEndpoint, { ...key, grants }),
    });
  }

  router.get('/api-keys/new', guard.requireSignedIn, async (ctx) => showForm(ctx, who(ctx)));

  router.post('/api-keys', guard.requireSignedIn, form, requireCsrf(), limit, async (ctx) => {
    const me = who(ctx);
    const input = parseCreateForm(ctx.request.body);
    if (await guard.missingFreshness(me)) return showForm(ctx, me, input, undefined, 403);
    // The secret page answers the POST itself (a secret never goes in a URL), so a reload
    // would send the form again: each form's random mark is accepted once.
    const once = (ctx.request.body as Record<string, unknown>).once;
    if (typeof once === 'string' && once.length <= 64 && !(await deps.formMarks.claim(`${me.account.id}:${once}`, 3600))) {
      throw new AppError('api_key.form_sent', 'This form was already sent, and its key created: it is listed on your account page. Its secret was shown once.', { status: 409 });
    }
    let created;
    try {
      created = await apiKeys.create(me.account.id, input, origin(ctx));
    } catch (err) {
      if (err instanceof ApiKeyInputError) return showForm(ctx, me, input, err, 400);
      throw err;
    }
    await showSecret(ctx, { title: 'Your new API key', notice: `API key “${created.name}” created. Copy the secret now: it is shown only once.` }, created);
  });

  router.get('/api-keys/:id/rotate', guard.requireSignedIn, async (ctx) => {
    const me = who(ctx);
    const key = await apiKeys.find(me.account.id, String(ctx.params.id));
    if (!key) throw keyNotFound();
    await renderPage(ctx, 'account-api-key-rotate', { title: `New secret for ${key.name}`, key, needs: await guard.missingFreshness(me) });
  });

  router.post('/api-keys/:id/rotate', guard.requireSignedIn, form, requireCsrf(), limit, async (ctx) => {
    const me = who(ctx);
    const key = await apiKeys.find(me.account.id, String(ctx.params.id));
    if (!key) throw keyNotFound();
    const needs = await guard.missingFreshness(me);
    if (needs) return renderPage(ctx, 'account-api-key-rotate', { title: `New secret for ${key.name}`, key, needs }, 403);
    const overlap = parseOverlap(ctx.request.body);
    const rotated = await apiKeys.rotate(me.account.id, key.clientId, overlap, origin(ctx));
    if (!rotated) throw keyNotFound();
    await showSecret(
      ctx,
      {
        title: `New secret for ${key.name}`,
        notice: `New secret made. ${overlap ? 'The old one keeps working for 24 hours.' : 'The old one no longer works.'} Copy the new one now: it is shown only once.`,
      },
      { ...rotated, name: key.name },
    );
  });

  router.get('/api-keys/:id/revoke', guard.requireSignedIn, async (ctx) => {
    const key = await apiKeys.find(who(ctx).account.id, String(ctx.params.id));
    if (!key) throw keyNotFound();
    await confirmPage(ctx, {
      title: `Revoke the API key ${key.name}`,
      message: `Programs using “${key.name}” can no longer get tokens with it, and its secret stops working for good. This cannot be undone.`,
      detail: `It can now use: ${describeGrants(key, await apiKeys.delegable()) || 'nothing'}.`,
      action: `/account/api-keys/${encodeURIComponent(key.clientId)}/revoke`,
      button: 'Revoke the key',
    });
  });

  router.post('/api-keys/:id/revoke', guard.requireSignedIn, form, requireCsrf(), async (ctx) => {
    const me = who(ctx);
    if (!(await apiKeys.revoke(String(ctx.params.id), { accountId: me.account.id }, origin(ctx)))) throw keyNotFound();
    doneRedirect(ctx, 'api-key-revoked');
  });

  return {
    /** The account page's API-keys section. */
    async overview(me: SignedIn) {
      const resources = await apiKeys.delegable();
      const now = deps.clock().getTime();
      return {
        apiKeys: (await apiKeys.list(me.account.id)).map((k) => ({ ...k, expired: k.expiresAt.getTime() <= now, permissions: describeGrants(k, resources) })),
        apiKeysOffered: resources.length > 0 && apiKeys.policy.perAccount > 0,
        apiKeyLimit: apiKeys.policy.perAccount,
      };
    },
  };
}
