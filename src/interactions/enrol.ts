import type { Context, Next } from 'koa';
import { z } from 'zod';
import { mailPasskeyChange } from '../accounts/passkey-notices.js';
import { epochSeconds } from '../common/clock.js';
import { requireCsrf } from '../pages/csrf.js';
import { PasskeyError } from '../passkeys/passkey-error.js';
import { currentStep, interactionExpired, interactionState, loadInteraction, type InteractionDeps } from './context.js';
import { keepPending, redirectTo } from './finish.js';
import type { PendingLogin } from './next-step.js';
import { passkeyVerifyBody } from '../passkeys/response-schemas.js';
import { expectStep, finishLogin, form, jsonStep, type StepRoute } from './step-kit.js';
import { renderStep } from './step-pages.js';
import { rateLimit } from '../pages/rate-limit.js';

const codeForm = z.object({ code: z.string().max(64).default('') });

/**
 * /interaction/:uid/enrol/{send-code,code,options,verify,skip} — the offer of a first
 * passkey after a password sign-in. The binding rule (DESIGN.md "Binding") is decided
 * in next-step.ts: the password must be from the last FRESH_SECONDS, and a one-time code
 * mailed to the account's address in this sign-in must have come back (recorded in the
 * interaction with its time) — both checked before any options are issued, so a stolen
 * password alone never yields a passkey (NIST SP 800-63B-4 §4.1).
 */
export function enrolStep(deps: InteractionDeps): StepRoute[] {
  const pre = [
    ...jsonStep(deps, 'enrol'),
    rateLimit(deps.limits, { name: 'passkey', keys: (ctx) => ({ ip: ctx.ip, account: currentStep(ctx, 'enrol').pending.accountId, global: 'all' }) }),
  ];
  const page = [loadInteraction(deps.provider), form, requireCsrf(), expectStep(deps, 'enrol', 'page')];
  const origin = (ctx: Context) => ({ ip: ctx.ip, userAgent: ctx.get('user-agent') });

  async function requireFresh(ctx: Context, next: Next) {
    if (currentStep(ctx, 'enrol').freshForSeconds <= 0) {
      throw new PasskeyError('passkey.needs_fresh_password', 'Your password sign-in is more than five minutes old. Sign in again to add a passkey.', 403);
    }
    await next();
  }

  async function requireCode(ctx: Context, next: Next) {
    if (currentStep(ctx, 'enrol').createForSeconds <= 0) {
      throw new PasskeyError('passkey.needs_code', 'Enter the code we mailed you before creating a passkey.', 403);
    }
    await next();
  }

  /** Forms: a password too old to bind a passkey sends the browser back, where the sign-in ends. */
  async function freshPage(ctx: Context, next: Next) {
    if (currentStep(ctx, 'enrol').freshForSeconds <= 0) return redirectTo(ctx, `/interaction/${interactionState(ctx).interaction.uid}`);
    await next();
  }

  async function accountOf(pending: PendingLogin) {
    const account = await deps.accounts.findById(pending.accountId);
    if (!account) throw interactionExpired('the account is gone');
    return account;
  }

  async function sendCode(ctx: Context) {
    const step = currentStep(ctx, 'enrol');
    const sent = await deps.passkeyProof.send(await accountOf(step.pending), origin(ctx));
    if (!sent.ok) {
      ctx.set('Retry-After', String(sent.retryAfterSeconds));
      return renderStep(ctx, deps, step, { error: sent.message }, 429);
    }
    // A new code starts the proof again: a confirmation of an earlier code no longer counts.
    const { codeConfirmedAt: _old, ...pending } = step.pending;
    redirectTo(ctx, await keepPending(ctx, deps.provider, interactionState(ctx).interaction, { ...pending, codeSentAt: epochSeconds(deps.clock) }));
  }

  async function confirmCode(ctx: Context) {
    const step = currentStep(ctx, 'enrol');
    if (step.stage !== 'code') return redirectTo(ctx, `/interaction/${interactionState(ctx).interaction.uid}`);
    const { code } = codeForm.parse(ctx.request.body);
    const answer = await deps.passkeyProof.confirm(await accountOf(step.pending), code, origin(ctx));
    if (!answer.ok) {
      if (answer.retryAfterSeconds) ctx.set('Retry-After', String(answer.retryAfterSeconds));
      return renderStep(ctx, deps, step, { error: answer.message, codeError: true }, answer.status);
    }
    redirectTo(ctx, await keepPending(ctx, deps.provider, interactionState(ctx).interaction, { ...step.pending, codeConfirmedAt: epochSeconds(deps.clock) }));
  }

  async function options(ctx: Context) {
    const { pending, createForSeconds } = currentStep(ctx, 'enrol');
    // The challenge lives no longer than the password and the code stay fresh, so the
    // authenticator is never asked to make a credential the verify step would refuse.
    ctx.body = await deps.ceremonies.registrationOptions({
      binding: { interaction: interactionState(ctx).interaction.uid },
      account: await accountOf(pending),
      existing: [],
      ttlSeconds: createForSeconds,
    });
  }

  async function verify(ctx: Context) {
    const { pending } = currentStep(ctx, 'enrol');
    const account = await accountOf(pending);
    const body = passkeyVerifyBody.parse(ctx.request.body);
    const passkey = await deps.ceremonies.register({
      binding: { interaction: interactionState(ctx).interaction.uid },
      accountId: pending.accountId,
      response: body.credential,
      name: body.name,
      ip: ctx.ip,
    });
    await mailPasskeyChange(deps.mailer, account, 'added', passkey.name, origin(ctx));
    ctx.body = { redirect: await finishLogin(ctx, deps, pending) };
  }

  async function skip(ctx: Context) {
    const { pending } = currentStep(ctx, 'enrol');
    await deps.accounts.dismissPasskeyOffer(pending.accountId, deps.clock());
    redirectTo(ctx, await finishLogin(ctx, deps, pending));
  }

  return [
    { method: 'post', path: '/enrol/send-code', handlers: [...page, freshPage, sendCode] },
    { method: 'post', path: '/enrol/code', handlers: [...page, freshPage, confirmCode] },
    { method: 'post', path: '/enrol/options', handlers: [...pre, requireFresh, requireCode, options] },
    { method: 'post', path: '/enrol/verify', handlers: [...pre, requireFresh, requireCode, verify] },
    { method: 'post', path: '/enrol/skip', handlers: [...page, skip] },
  ];
}
