import { Router } from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import { z } from 'zod';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { csrfToken, requireCsrf } from '../pages/csrf.js';
import { renderPage } from '../pages/render.js';
import { PasskeyError } from '../passkeys/passkey-error.js';
import type { Factor } from '../provider/assurance.js';
import { decideStep, interactionState, loadInteraction, type InteractionDeps } from './context.js';
import { consentResult, errorResult, keepPending, loginResult, redirectTo } from './finish.js';
import type { PendingLogin, Step } from './next-step.js';

export type { InteractionDeps } from './context.js';

const loginForm = z.object({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(4096),
});
const passkeyBody = z.object({
  purpose: z.enum(['login', 'step-up', 'enrol']),
  credential: z.record(z.string(), z.unknown()).optional(),
  name: z.string().trim().max(64).optional(),
});

const SIGN_IN_FAILED = 'The email address or password is not right.';
// WebAuthn bootstrap rule (DESIGN.md "Enrol a passkey"): the first passkey needs a
// password verified in the last five minutes.
const FRESH_SECONDS = 5 * 60;

const UNMET_TEXT: Record<Extract<Step, { kind: 'unmet' }>['why'], string> = {
  no_passkey: 'This app asks you to sign in with a passkey, and your account has no passkey yet.',
  only_synced: 'This app asks for a passkey that stays on one device, such as a security key. Your passkeys can be synced between devices, so they cannot be used here.',
  unknown_acr: 'This app asks for a way of signing in that Latchkey does not offer.',
};

/**
 * /interaction/:uid — the hosted sign-in. Each handler: load the interaction → validate
 * input → call one domain function → let nextStep decide → finish or show the next page.
 */
export function interactionRoutes(deps: InteractionDeps): Router {
  const { provider, passwordLogin, ceremonies, accounts } = deps;
  const router = new Router({ prefix: '/interaction/:uid' });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  const json = bodyParser({ enableTypes: ['json'], jsonLimit: '64kb' });
  const load = loadInteraction(provider);
  const now = () => Math.floor(Date.now() / 1000);

  /** Finishes when the factors suffice, else keeps them and returns to the next page. */
  async function advance(ctx: Context, pending: PendingLogin): Promise<string> {
    const state = interactionState(ctx);
    const step = await decideStep(deps, { ...state, pending });
    if (step.kind === 'finish') {
      return loginResult(ctx, provider, state.interaction, { ...step.pending, firstParty: state.client.firstParty });
    }
    return keepPending(ctx, provider, state.interaction, pending);
  }

  async function render(ctx: Context, step: Step, extra: { error?: string; email?: string } = {}, status = 200): Promise<void> {
    const { interaction, client } = interactionState(ctx);
    const base = { uid: interaction.uid, clientName: client.name, error: extra.error };
    switch (step.kind) {
      case 'password': {
        const locked = step.lockedToAccount ? await accounts.findById(step.lockedToAccount) : undefined;
        const hint = typeof interaction.params.login_hint === 'string' ? interaction.params.login_hint : '';
        return renderPage(ctx, 'login', { title: 'Sign in', ...base, email: extra.email ?? locked?.email ?? hint }, status);
      }
      case 'step-up':
        return renderPage(ctx, 'step-up', { title: 'Confirm with a passkey', ...base, passkeyNames: step.allow.map((p) => p.name) }, status);
      case 'enrol-offer':
        return renderPage(ctx, 'enrol', { title: 'Add a passkey', ...base }, status);
      case 'unmet':
        return renderPage(ctx, 'unmet', { title: 'A stronger sign-in is needed', ...base, message: UNMET_TEXT[step.why], why: step.why }, status);
      case 'finish':
        return redirectTo(ctx, await loginResult(ctx, provider, interaction, { ...step.pending, firstParty: client.firstParty }));
    }
  }

  router.use(csrfToken());

  router.get('/', load, async (ctx) => {
    const state = interactionState(ctx);
    const { interaction, client } = state;
    if (interaction.prompt.name === 'login') return render(ctx, await decideStep(deps, state));
    if (interaction.prompt.name === 'consent') {
      if (client.firstParty) return redirectTo(ctx, await consentResult(ctx, provider, interaction));
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
    const state = interactionState(ctx);
    const step = await decideStep(deps, state);
    if (step.kind !== 'password') return redirectTo(ctx, `/interaction/${state.interaction.uid}`);
    const parsed = loginForm.safeParse(ctx.request.body);
    const typed = (ctx.request.body as Record<string, unknown> | undefined)?.email;
    if (!parsed.success) {
      return render(ctx, step, { email: typeof typed === 'string' ? typed.slice(0, 320) : '', error: 'Enter your email address and password.' }, 400);
    }
    const { email, password } = parsed.data;
    const result = await passwordLogin({ email, password, ip: ctx.ip });
    if (!result.ok) {
      if (result.reason === 'invalid') return render(ctx, step, { email, error: SIGN_IN_FAILED }, 401);
      ctx.set('Retry-After', String(result.retryAfterSeconds));
      const error =
        result.reason === 'locked'
          ? 'Too many failed attempts for this account. Try again later, or reset your password.'
          : 'Too many failed sign-ins from your network. Try again later.';
      return render(ctx, step, { email, error }, 429);
    }
    redirectTo(ctx, await advance(ctx, { accountId: result.account.id, factors: [{ type: 'pwd', at: now() }] }));
  });

  router.post('/passkey/options', load, json, requireCsrf(), async (ctx) => {
    const state = interactionState(ctx);
    const body = passkeyBody.parse(ctx.request.body);
    const step = await decideStep(deps, state);
    const binding = { interaction: state.interaction.uid };
    if (body.purpose === 'login' && step.kind === 'password') {
      ctx.body = await ceremonies.authenticationOptions({ binding });
    } else if (body.purpose === 'step-up' && step.kind === 'step-up') {
      ctx.body = await ceremonies.authenticationOptions({ binding, allow: step.allow });
    } else if (body.purpose === 'enrol' && step.kind === 'enrol-offer') {
      const account = await accounts.findById(step.pending.accountId);
      if (!account) throw new PasskeyError('passkey.invalid', 'The account is gone.');
      ctx.body = await ceremonies.registrationOptions({ binding, account, existing: [] });
    } else {
      throw new PasskeyError('passkey.challenge_expired', 'This page is out of date. Reload it and try again.');
    }
  });

  router.post('/passkey/verify', load, json, requireCsrf(), async (ctx) => {
    const state = interactionState(ctx);
    const body = passkeyBody.parse(ctx.request.body);
    const step = await decideStep(deps, state);
    const binding = { interaction: state.interaction.uid };
    let next: string;
    if (body.purpose === 'login' && step.kind === 'password') {
      const { passkey, verified } = await ceremonies.authenticate({ binding, response: body.credential as unknown as AuthenticationResponseJSON, ip: ctx.ip });
      next = await advance(ctx, { accountId: passkey.accountId, factors: [{ type: 'passkey', ...verified }] });
    } else if (body.purpose === 'step-up' && step.kind === 'step-up') {
      const { passkey, verified } = await ceremonies.authenticate({
        binding,
        response: body.credential as unknown as AuthenticationResponseJSON,
        expectedAccountId: step.accountId,
        ip: ctx.ip,
      });
      if (!step.allow.some((p) => p.id === passkey.id)) {
        throw new PasskeyError('passkey.invalid', 'This app needs a passkey that stays on one device, such as a security key.');
      }
      const factors: Factor[] = [...step.carried, { type: 'passkey', ...verified }];
      next = await advance(ctx, { accountId: step.accountId, factors });
    } else if (body.purpose === 'enrol' && step.kind === 'enrol-offer') {
      const pwd = step.pending.factors.find((f) => f.type === 'pwd');
      if (!pwd || now() - pwd.at > FRESH_SECONDS) {
        throw new PasskeyError('passkey.challenge_expired', 'Your password sign-in is more than five minutes old. Sign in again to add a passkey.');
      }
      await ceremonies.register({
        binding,
        accountId: step.pending.accountId,
        response: body.credential as unknown as RegistrationResponseJSON,
        name: body.name || 'Passkey',
        ip: ctx.ip,
      });
      next = await loginResult(ctx, provider, state.interaction, { ...step.pending, firstParty: state.client.firstParty });
    } else {
      throw new PasskeyError('passkey.challenge_expired', 'This page is out of date. Reload it and try again.');
    }
    ctx.body = { redirect: next };
  });

  router.post('/enrol/skip', load, form, requireCsrf(), async (ctx) => {
    const state = interactionState(ctx);
    const step = await decideStep(deps, state);
    if (step.kind !== 'enrol-offer') return redirectTo(ctx, `/interaction/${state.interaction.uid}`);
    await accounts.dismissPasskeyOffer(step.pending.accountId);
    redirectTo(ctx, await loginResult(ctx, provider, state.interaction, { ...step.pending, firstParty: state.client.firstParty }));
  });

  router.post('/consent', load, form, requireCsrf(), async (ctx) => {
    const { interaction } = interactionState(ctx);
    if (interaction.prompt.name !== 'consent') return redirectTo(ctx, `/interaction/${interaction.uid}`);
    redirectTo(ctx, await consentResult(ctx, provider, interaction));
  });

  // A requirement the user cannot (or chooses not to) meet: the client learns it in the
  // standard way and never gets a token at a lower level.
  router.post('/unmet', load, form, requireCsrf(), async (ctx) => {
    redirectTo(ctx, await errorResult(ctx, provider, 'unmet_authentication_requirements', 'the requested authentication level was not met'));
  });

  router.post('/abort', load, form, requireCsrf(), async (ctx) => {
    redirectTo(ctx, await errorResult(ctx, provider, 'access_denied', 'End-User aborted interaction'));
  });

  return router;
}
