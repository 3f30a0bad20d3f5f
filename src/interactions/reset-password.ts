import type { Context } from 'koa';
import { z } from 'zod';
import { CODE_TTL_SECONDS } from '../accounts/one-time-codes.js';
import { checkNewPassword } from '../accounts/password-policy.js';
import { hashPassword } from '../accounts/passwords.js';
import { epochSeconds } from '../common/clock.js';
import { describeDevice } from '../common/device.js';
import { sha256 } from '../common/hash.js';
import { requireCsrf } from '../pages/csrf.js';
import { accountKey, codeLimit } from '../pages/rate-limit.js';
import { flowOf, interactionState, loadInteraction, type InteractionDeps } from './context.js';
import { passwordVersion } from '../accounts/accounts-repo.js';
import { rememberBrowser } from './device-cookie.js';
import { redirectTo } from './finish.js';
import { addressMailLimit, CODE_NOT_RIGHT, codeField, codeThrottled, postedAddress, flowState, newPasswordField, renderFlowPage, saveFlowState, type FieldError, type FlowState } from './lifecycle-kit.js';
import { advance, expectStep, form, type Handler, type StepRoute } from './step-kit.js';

type Reset = Extract<FlowState, { kind: 'reset' }>;

const resetForm = z.object({ code: codeField, password: newPasswordField });

// The same words whether or not the address has an account (OWASP ASVS 5.0 V6.3).
const SENT = 'If an account exists for that address, we sent a code to it. The code works for 10 minutes.';

/** An address without an account still costs a code row, so both answers take the same work; nobody is mailed. */
const unknownSubject = (email: string) => `reset-unknown:${sha256(email)}`;

const requireReset: Handler = async (ctx, next) => {
  if (!flowState(ctx, 'reset')) return redirectTo(ctx, `/interaction/${interactionState(ctx).interaction.uid}/reset`);
  await next();
};

/**
 * /interaction/:uid/reset — forgot password: an address, then the mailed code and a new
 * password. On success every session, grant and refresh token of the account ends, the
 * password lockout of the address is cleared, the owner is mailed, and the sign-in
 * continues with a password factor only: a reset never yields phr/phrh (an app that
 * asked for them gets the passkey step-up, or unmet_authentication_requirements).
 * Codes have their own budget, so a reset works while passwords are locked.
 */
export function resetPasswordStep(deps: InteractionDeps): StepRoute[] {
  const { codes, mailer, audit, passwordPolicy } = deps.lifecycle;
  const page = [loadInteraction(deps.provider), expectStep(deps, 'sign-in', 'page')];
  const post = [loadInteraction(deps.provider), form, requireCsrf(), expectStep(deps, 'sign-in', 'page')];
  const url = (ctx: Context, rest = '') => `/interaction/${interactionState(ctx).interaction.uid}/reset${rest}`;

  const startPage = (ctx: Context, email: string, error?: FieldError, status = 200) =>
    renderFlowPage(ctx, 'reset', 'Reset your password', { email, fieldError: error }, status);
  const codePage = (ctx: Context, state: Reset, extra: { error?: FieldError; notice?: string; code?: string } = {}, status = 200) =>
    renderFlowPage(ctx, 'reset-code', 'Choose a new password', { email: state.email, code: extra.code ?? '', fieldError: extra.error, notice: extra.notice ?? SENT, minLength: passwordPolicy.minLength }, status);

  async function mailCode(ctx: Context, state: Reset) {
    if (!state.accountId) {
      const code = await codes.issue(unknownSubject(state.email), 'reset-password', { flow: flowOf(ctx) });
      await deps.lifecycle.decoyMail({ code, purpose: 'reset-password', minutes: CODE_TTL_SECONDS / 60 });
      // One durable write in place of the outbox row a real mail costs; the event also
      // shows an operator resets asked for addresses that have no account (no address kept).
      await audit.record({ type: 'password.reset_unknown_address', ip: ctx.ip });
      return;
    }
    const code = await codes.issue(state.accountId, 'reset-password', { flow: flowOf(ctx) });
    await mailer.send({
      to: state.email,
      template: 'one-time-code',
      data: { code, purpose: 'reset-password', minutes: CODE_TTL_SECONDS / 60, device: describeDevice(ctx.get('user-agent')), ip: ctx.ip },
    });
  }

  async function start(ctx: Context) {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const email = postedAddress(ctx);
    if (!email) {
      const typed = typeof body.email === 'string' ? body.email.slice(0, 320) : '';
      return startPage(ctx, typed, { field: 'email', message: 'Enter your email address, like alice@example.com.' }, 400);
    }
    const account = await deps.accounts.findByEmail(email);
    const state: Reset = { kind: 'reset', email, ...(account ? { accountId: account.id } : {}) };
    await mailCode(ctx, state);
    await saveFlowState(ctx, deps, state);
    redirectTo(ctx, url(ctx, '/code'));
  }

  async function resend(ctx: Context) {
    await mailCode(ctx, flowState(ctx, 'reset')!);
    redirectTo(ctx, url(ctx, '/code?sent=1'));
  }

  async function complete(ctx: Context) {
    const state = flowState(ctx, 'reset')!;
    const parsed = resetForm.safeParse(ctx.request.body);
    const typedCode = String((ctx.request.body as Record<string, unknown>).code ?? '').slice(0, 64);
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path[0] === 'password' ? 'password' : 'code';
      const message = field === 'code' ? 'Enter the code from the mail.' : 'Enter a new password.';
      return codePage(ctx, state, { error: { field, message }, code: typedCode }, 400);
    }
    const account = state.accountId ? await deps.accounts.findById(state.accountId) : undefined;
    // The policy first, so a refused password does not use up the code. Judged on what the
    // person typed only (the email), never the account's name: a refusal that only a real
    // account could cause would tell that the account exists, and its name.
    const reason = await checkNewPassword(parsed.data.password, { email: state.email }, passwordPolicy);
    if (reason) return codePage(ctx, state, { error: { field: 'password', message: reason }, code: typedCode }, 400);
    const result = await codes.check(account ? account.id : unknownSubject(state.email), 'reset-password', parsed.data.code, ctx.ip, flowOf(ctx));
    if (!result.ok || !account) {
      if (!result.ok && result.reason === 'throttled') return codePage(ctx, state, { error: codeThrottled(ctx, result.retryAfterSeconds) }, 429);
      return codePage(ctx, state, { error: { field: 'code', message: CODE_NOT_RIGHT } }, 400);
    }

    const changedAt = deps.clock();
    await deps.accounts.changePassword(account.id, await hashPassword(parsed.data.password), changedAt);
    // Whoever held the old password (or a session made with it) is out: sessions, grants,
    // refresh tokens. Except this browser's own session, when the reset started from it
    // (prompt=login): the engine finishes the sign-in on it, as a new one, and refuses to
    // without it.
    const own = interactionState(ctx).interaction.session;
    await deps.lifecycle.revokeAccount(account.id, own?.accountId === account.id && own.uid ? { keepSessionUid: own.uid } : {});
    await codes.revokeAll(account.id);
    await deps.lifecycle.clearPasswordLockout(account.email);
    await audit.record({ type: 'password.reset', accountId: account.id, ip: ctx.ip });
    await mailer.send({ to: account.email, template: 'password-changed', data: { reset: true, name: account.name, device: describeDevice(ctx.get('user-agent')), ip: ctx.ip } });
    // Only the password: the mailed code is not a second factor for acr (DESIGN.md "Assurance").
    const changed = { ...account, passwordChangedAt: changedAt };
    // The reset made every browser a stranger to the account; this one proved the mailbox
    // and chose the password, and the mail just sent names it, so it is not announced again.
    rememberBrowser(ctx, deps.provider.issuer, changed);
    redirectTo(ctx, await advance(ctx, deps, { accountId: account.id, factors: [{ type: 'pwd', at: epochSeconds(deps.clock) }], passwordVersion: passwordVersion(changed) }, changed));
  }

  const resetEmail = (ctx: Context) => accountKey(flowState(ctx, 'reset')!.email);

  return [
    { method: 'get', path: '/reset', handlers: [...page, (ctx) => startPage(ctx, typeof ctx.query.email === 'string' ? ctx.query.email.slice(0, 320) : '')] },
    { method: 'post', path: '/reset', handlers: [...post, addressMailLimit(deps, postedAddress), start] },
    { method: 'get', path: '/reset/code', handlers: [...page, requireReset, (ctx) => codePage(ctx, flowState(ctx, 'reset')!, ctx.query.sent === '1' ? { notice: `We sent a new code if an account exists for that address. Codes sent before it no longer work.` } : {})] },
    { method: 'post', path: '/reset/code', handlers: [...post, requireReset, codeLimit(deps.limits, (ctx) => `${resetEmail(ctx)}:${flowOf(ctx)}`), complete] },
    { method: 'post', path: '/reset/resend', handlers: [...post, requireReset, addressMailLimit(deps, (ctx) => flowState(ctx, 'reset')!.email), resend] },
  ];
}
