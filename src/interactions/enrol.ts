import type { Context, Next } from 'koa';
import { requireCsrf } from '../pages/csrf.js';
import { PasskeyError } from '../passkeys/passkey-error.js';
import { currentStep, interactionState, loadInteraction, type InteractionDeps } from './context.js';
import { redirectTo } from './finish.js';
import { passkeyVerifyBody } from '../passkeys/response-schemas.js';
import { expectStep, finishLogin, form, jsonStep, type StepRoute } from './step-kit.js';
import { rateLimit } from '../pages/rate-limit.js';

/**
 * /interaction/:uid/enrol/{options,verify,skip} — the offer of a first passkey after a
 * password sign-in. The binding rule (DESIGN.md "Binding") is decided in next-step.ts:
 * a password older than FRESH_SECONDS is refused before any options are issued.
 */
export function enrolStep(deps: InteractionDeps): StepRoute[] {
  const pre = [
    ...jsonStep(deps, 'enrol'),
    rateLimit(deps.limits, { name: 'passkey', keys: (ctx) => ({ ip: ctx.ip, account: currentStep(ctx, 'enrol').pending.accountId, global: 'all' }) }),
  ];

  async function requireFresh(ctx: Context, next: Next) {
    if (currentStep(ctx, 'enrol').freshForSeconds <= 0) {
      throw new PasskeyError('passkey.needs_fresh_password', 'Your password sign-in is more than five minutes old. Sign in again to add a passkey.', 403);
    }
    await next();
  }

  async function options(ctx: Context) {
    const { pending, freshForSeconds } = currentStep(ctx, 'enrol');
    const account = await deps.accounts.findById(pending.accountId);
    if (!account) throw new PasskeyError('passkey.invalid', 'The account is gone.');
    // The challenge lives no longer than the password stays fresh, so the authenticator is
    // never asked to make a credential that the verify step would then have to refuse.
    ctx.body = await deps.ceremonies.registrationOptions({
      binding: { interaction: interactionState(ctx).interaction.uid },
      account,
      existing: [],
      ttlSeconds: freshForSeconds,
    });
  }

  async function verify(ctx: Context) {
    const { pending } = currentStep(ctx, 'enrol');
    const body = passkeyVerifyBody.parse(ctx.request.body);
    await deps.ceremonies.register({
      binding: { interaction: interactionState(ctx).interaction.uid },
      accountId: pending.accountId,
      response: body.credential,
      name: body.name || 'Passkey',
      ip: ctx.ip,
    });
    ctx.body = { redirect: await finishLogin(ctx, deps, pending) };
  }

  async function skip(ctx: Context) {
    const { pending } = currentStep(ctx, 'enrol');
    await deps.accounts.dismissPasskeyOffer(pending.accountId, deps.clock());
    redirectTo(ctx, await finishLogin(ctx, deps, pending));
  }

  return [
    { method: 'post', path: '/enrol/options', handlers: [...pre, requireFresh, options] },
    { method: 'post', path: '/enrol/verify', handlers: [...pre, requireFresh, verify] },
    { method: 'post', path: '/enrol/skip', handlers: [loadInteraction(deps.provider), form, requireCsrf(), expectStep(deps, 'enrol', 'page'), skip] },
  ];
}
