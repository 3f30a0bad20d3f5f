import { Router } from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import type { PasswordLogin } from '../accounts/password-login.js';
import { csrfToken, requireCsrf } from '../http/csrf.js';
import { renderPage } from '../http/views.js';
import { finishConsent, finishLogin, finishWithError } from './finish.js';

export interface InteractionDeps {
  provider: Provider;
  passwordLogin: PasswordLogin;
}

const loginForm = z.object({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(4096),
});

const SIGN_IN_FAILED = 'The email address or password is not right.';

interface ClientView {
  name: string;
  firstParty: boolean;
}

/**
 * /interaction/:uid — the hosted sign-in steps. Each handler: load the interaction →
 * validate input → call one domain function → finish.
 */
export function interactionRoutes({ provider, passwordLogin }: InteractionDeps): Router {
  const router = new Router({ prefix: '/interaction/:uid' });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  async function load(ctx: Context, next: Next) {
    const interaction = await provider.interactionDetails(ctx.req, ctx.res);
    // The uid in the path must be this browser's interaction (its cookie says which).
    if (interaction.uid !== ctx.params.uid) throw Object.assign(new Error('interaction mismatch'), { name: 'SessionNotFound' });
    const client = await provider.Client.find(String(interaction.params.client_id));
    if (!client) throw Object.assign(new Error('client gone'), { name: 'SessionNotFound' });
    ctx.state.interaction = interaction;
    ctx.state.client = {
      name: client.clientName ?? client.clientId,
      firstParty: client.metadata().third_party !== true,
    } satisfies ClientView;
    await next();
  }

  function loginPage(ctx: Context, locals: { email?: string; error?: string }, status = 200) {
    const interaction = ctx.state.interaction as Interaction;
    return renderPage(
      ctx,
      'login',
      {
        title: 'Sign in',
        uid: interaction.uid,
        clientName: (ctx.state.client as ClientView).name,
        email: locals.email ?? (typeof interaction.params.login_hint === 'string' ? interaction.params.login_hint : ''),
        error: locals.error,
      },
      status,
    );
  }

  router.use(csrfToken());

  router.get('/', load, async (ctx) => {
    const interaction = ctx.state.interaction as Interaction;
    const client = ctx.state.client as ClientView;
    if (interaction.prompt.name === 'login') return loginPage(ctx, {});
    if (interaction.prompt.name === 'consent') {
      if (client.firstParty) return finishConsent(ctx, provider, interaction);
      const details = interaction.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
      return renderPage(ctx, 'consent', {
        title: 'Allow access',
        uid: interaction.uid,
        clientName: client.name,
        scopes: (details.missingOIDCScope ?? []).filter((s) => s !== 'openid'),
        claims: details.missingOIDCClaims ?? [],
      });
    }
    throw new Error(`unknown prompt ${interaction.prompt.name}`);
  });

  router.post('/login', load, form, requireCsrf(), async (ctx) => {
    const interaction = ctx.state.interaction as Interaction;
    if (interaction.prompt.name !== 'login') return ctx.redirect(`/interaction/${interaction.uid}`);
    const parsed = loginForm.safeParse(ctx.request.body);
    if (!parsed.success) {
      const email = typeof (ctx.request.body as Record<string, unknown>)?.email === 'string' ? String((ctx.request.body as Record<string, unknown>).email) : '';
      return loginPage(ctx, { email: email.slice(0, 320), error: 'Enter your email address and password.' }, 400);
    }
    const { email, password } = parsed.data;
    const result = await passwordLogin({ email, password, ip: ctx.ip });
    if (!result.ok) {
      if (result.reason === 'invalid') return loginPage(ctx, { email, error: SIGN_IN_FAILED }, 401);
      ctx.set('Retry-After', String(result.retryAfterSeconds));
      const error =
        result.reason === 'locked'
          ? 'Too many failed attempts for this account. Try again later, or reset your password.'
          : 'Too many failed sign-ins from your network. Try again later.';
      return loginPage(ctx, { email, error }, 429);
    }
    await finishLogin(ctx, provider, interaction, {
      accountId: result.account.id,
      factors: [{ type: 'pwd', at: Math.floor(Date.now() / 1000) }],
      firstParty: (ctx.state.client as ClientView).firstParty,
    });
  });

  router.post('/consent', load, form, requireCsrf(), async (ctx) => {
    const interaction = ctx.state.interaction as Interaction;
    if (interaction.prompt.name !== 'consent') return ctx.redirect(`/interaction/${interaction.uid}`);
    await finishConsent(ctx, provider, interaction);
  });

  router.post('/abort', load, form, requireCsrf(), async (ctx) => {
    await finishWithError(ctx, provider, 'access_denied', 'End-User aborted interaction');
  });

  return router;
}
