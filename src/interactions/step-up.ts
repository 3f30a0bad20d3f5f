import type { Context } from 'koa';
import { PasskeyError } from '../passkeys/passkey-error.js';
import { currentStep, interactionState, type InteractionDeps } from './context.js';
import { passkeyVerifyBody } from '../passkeys/response-schemas.js';
import { advance, jsonStep, type StepRoute } from './step-kit.js';
import { rateLimit } from '../pages/rate-limit.js';

/**
 * POST /interaction/:uid/step-up/{options,verify} — a passkey of the account already in
 * play, on top of the factors verified so far (a password, or the session's).
 */
export function stepUpStep(deps: InteractionDeps): StepRoute[] {
  const pre = [
    ...jsonStep(deps, 'step-up'),
    rateLimit(deps.limits, { name: 'passkey', keys: (ctx) => ({ ip: ctx.ip, account: currentStep(ctx, 'step-up').accountId, global: 'all' }) }),
  ];

  async function options(ctx: Context) {
    const step = currentStep(ctx, 'step-up');
    const { interaction, requirement } = interactionState(ctx);
    // phrh needs hardware: hint the browser to offer a security key first (WebAuthn L3 §5.5 `hints`, §5.8.7).
    const hints = requirement.bar === 'phrh' ? (['security-key'] as const) : [];
    ctx.body = await deps.ceremonies.authenticationOptions({ binding: { interaction: interaction.uid }, allow: step.allow, hints: [...hints] });
  }

  async function verify(ctx: Context) {
    const step = currentStep(ctx, 'step-up');
    const { credential } = passkeyVerifyBody.parse(ctx.request.body);
    const { passkey, verified } = await deps.ceremonies.authenticate({
      binding: { interaction: interactionState(ctx).interaction.uid },
      response: credential,
      expectedAccountId: step.accountId,
      ip: ctx.ip,
    });
    if (!step.allow.some((p) => p.id === passkey.id)) {
      throw new PasskeyError('passkey.invalid', 'This app needs a passkey that stays on one device, such as a security key.');
    }
    // A password checked in this sign-in keeps its version, which the resume checks again.
    const checked = interactionState(ctx).pending;
    const version = checked?.accountId === step.accountId && checked.passwordVersion !== undefined ? { passwordVersion: checked.passwordVersion } : {};
    ctx.body = { redirect: await advance(ctx, deps, { accountId: step.accountId, factors: [...step.carried, { type: 'passkey', ...verified }], ...version }) };
  }

  return [
    { method: 'post', path: '/step-up/options', handlers: [...pre, options] },
    { method: 'post', path: '/step-up/verify', handlers: [...pre, verify] },
  ];
}
