import type { Context } from 'koa';
import { z } from 'zod';
import { newAccountId } from '../accounts/accounts-repo.js';
import { canonicalEmail, looksLikeEmail } from '../accounts/email.js';
import { CODE_TTL_SECONDS } from '../accounts/one-time-codes.js';
import { AppError } from '../common/errors.js';
import { sha256 } from '../common/hash.js';
import { describeDevice } from '../common/device.js';
import { requireCsrf } from '../pages/csrf.js';
import { accountKey, codeLimit } from '../pages/rate-limit.js';
import { flowOf, interactionState, loadInteraction, type InteractionDeps } from './context.js';
import { redirectTo } from './finish.js';
import { addressMailLimit, postedAddress, CODE_NOT_RIGHT, codeField, codeThrottled, emailField, flowState, renderFlowPage, saveFlowState, type FieldError, type FlowState } from './lifecycle-kit.js';
import { expectStep, form, type Handler, type StepRoute } from './step-kit.js';

const SIGN_UP_CLOSED = 'Creating an account here is turned off. Ask the people who run this service for an account.';

const startForm = z.object({ email: emailField, name: z.string().trim().min(1).max(100) });

/** The subject of a sign-up's code: no account exists yet, so the canonical address (hashed) stands for it. */
export function signUpSubject(canonical: string): string {
  return `signup:${sha256(canonical)}`;
}

/** Sign-up refused with a readable page when LATCHKEY_SIGNUP=closed (the link is hidden too). */
export function requireSignUpOpen(deps: InteractionDeps): Handler {
  return async (ctx, next) => {
    if (deps.lifecycle.signup === 'open') return next();
    // Scripts (the passkey ceremony) get JSON through the error handler; people get a page with a way back.
    if (ctx.request.is('application/json')) throw new AppError('signup.closed', SIGN_UP_CLOSED, { status: 403 });
    await renderFlowPage(ctx, 'sign-up-closed', 'Sign-up is closed', { message: SIGN_UP_CLOSED }, 403);
  };
}

/** The sign-up in progress, else back to its first page. */
export const requireSignUp: Handler = async (ctx, next) => {
  if (!flowState(ctx, 'sign-up')) return redirectTo(ctx, `/interaction/${interactionState(ctx).interaction.uid}/sign-up`);
  await next();
};

/**
 * /interaction/:uid/sign-up — email and name, then the code mailed to the address.
 * An address that already has an account gets exactly the same pages, answers and
 * amount of work (a code is issued and a mail queued either way), but its owner is
 * mailed "someone tried to sign up" instead of a code, and no code ever passes
 * (OWASP ASVS 5.0 V6.3: registration and forgotten-password answers must not reveal
 * which addresses have accounts, by message, status or time).
 */
export function signUpStep(deps: InteractionDeps): StepRoute[] {
  const { codes, mailer } = deps.lifecycle;
  const page = [loadInteraction(deps.provider), requireSignUpOpen(deps), expectStep(deps, 'sign-in', 'page')];
  const post = [loadInteraction(deps.provider), requireSignUpOpen(deps), form, requireCsrf(), expectStep(deps, 'sign-in', 'page')];
  const url = (ctx: Context, rest = '') => `/interaction/${interactionState(ctx).interaction.uid}/sign-up${rest}`;

  const startPage = (ctx: Context, values: { email?: string; name?: string }, error?: FieldError, status = 200) =>
    renderFlowPage(ctx, 'sign-up', 'Create an account', { ...values, fieldError: error }, status);
  const codePage = (ctx: Context, state: Extract<FlowState, { kind: 'sign-up' }>, extra: { error?: FieldError; notice?: string } = {}, status = 200) =>
    renderFlowPage(ctx, 'sign-up-code', 'Check your email', { email: state.email, fieldError: extra.error, notice: extra.notice }, status);

  /** One code issued and one mail queued whether or not the address has an account. */
  async function mailCode(ctx: Context, state: Extract<FlowState, { kind: 'sign-up' }>) {
    const code = await codes.issue(signUpSubject(state.email), 'sign-up', { flow: flowOf(ctx) });
    const context = { device: describeDevice(ctx.get('user-agent')), ip: ctx.ip };
    if (state.exists) {
      await mailer.send({ to: state.email, template: 'registration-attempt', data: context });
    } else {
      await mailer.send({ to: state.email, template: 'one-time-code', data: { code, purpose: 'sign-up', minutes: CODE_TTL_SECONDS / 60, ...context } });
    }
  }

  async function start(ctx: Context) {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const typed = { email: typeof body.email === 'string' ? body.email.slice(0, 320) : '', name: typeof body.name === 'string' ? body.name.slice(0, 100) : '' };
    const parsed = startForm.safeParse(body);
    const email = postedAddress(ctx);
    if (!parsed.success || !email) {
      const nameMissing = parsed.error?.issues.some((i) => i.path[0] === 'name') ?? false;
      const emailOk = looksLikeEmail(canonicalEmail(typed.email));
      const error: FieldError = !emailOk
        ? { field: 'email', message: 'Enter your email address, like alice@example.com.' }
        : { field: 'name', message: nameMissing ? 'Enter your name (at most 100 characters).' : 'Check your name.' };
      return startPage(ctx, typed, error, 400);
    }
    const existing = await deps.accounts.findByEmail(email);
    const state: FlowState = { kind: 'sign-up', email, name: parsed.data.name, accountId: newAccountId(), exists: Boolean(existing), verified: false };
    await mailCode(ctx, state);
    await saveFlowState(ctx, deps, state);
    redirectTo(ctx, url(ctx, '/code'));
  }

  async function showCode(ctx: Context) {
    const state = flowState(ctx, 'sign-up')!;
    if (state.verified) return redirectTo(ctx, url(ctx, '/choose'));
    await codePage(ctx, state, ctx.query.sent === '1' ? { notice: 'We sent a new code. Codes sent before it no longer work.' } : {});
  }

  async function checkCode(ctx: Context) {
    const state = flowState(ctx, 'sign-up')!;
    const parsed = codeField.safeParse((ctx.request.body as Record<string, unknown>).code);
    if (!parsed.success) return codePage(ctx, state, { error: { field: 'code', message: 'Enter the code from the mail.' } }, 400);
    const result = await codes.check(signUpSubject(state.email), 'sign-up', parsed.data, ctx.ip, flowOf(ctx));
    if (result.ok && !state.exists) {
      await saveFlowState(ctx, deps, { ...state, verified: true });
      return redirectTo(ctx, url(ctx, '/choose'));
    }
    if (!result.ok && result.reason === 'throttled') return codePage(ctx, state, { error: codeThrottled(ctx, result.retryAfterSeconds) }, 429);
    return codePage(ctx, state, { error: { field: 'code', message: CODE_NOT_RIGHT } }, 400);
  }

  async function resend(ctx: Context) {
    const state = flowState(ctx, 'sign-up')!;
    if (state.verified) return redirectTo(ctx, url(ctx, '/choose'));
    await mailCode(ctx, state);
    redirectTo(ctx, url(ctx, '/code?sent=1'));
  }

  const signedUpEmail = (ctx: Context) => accountKey(flowState(ctx, 'sign-up')!.email);

  return [
    { method: 'get', path: '/sign-up', handlers: [...page, (ctx) => startPage(ctx, { email: '', name: '' })] },
    // Counted only when the whole form would mail: a post refused for its name costs no budget.
    { method: 'post', path: '/sign-up', handlers: [...post, addressMailLimit(deps, (ctx) => (startForm.safeParse(ctx.request.body).success ? postedAddress(ctx) : undefined)), start] },
    { method: 'get', path: '/sign-up/code', handlers: [...page, requireSignUp, showCode] },
    { method: 'post', path: '/sign-up/code', handlers: [...post, requireSignUp, codeLimit(deps.limits, (ctx) => `${signedUpEmail(ctx)}:${flowOf(ctx)}`), checkCode] },
    { method: 'post', path: '/sign-up/resend', handlers: [...post, requireSignUp, addressMailLimit(deps, (ctx) => flowState(ctx, 'sign-up')!.email), resend] },
  ];
}
