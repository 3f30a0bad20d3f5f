import type { Context } from 'koa';
import { z } from 'zod';
import { checkNewPassword } from '../accounts/password-policy.js';
import { hashPassword } from '../accounts/passwords.js';
import { epochSeconds } from '../common/clock.js';
import { AppError } from '../common/errors.js';
import { requireCsrf } from '../pages/csrf.js';
import { rateLimit } from '../pages/rate-limit.js';
import { passkeyVerifyBody } from '../passkeys/response-schemas.js';
import { interactionState, loadInteraction, type InteractionDeps } from './context.js';
import { passwordVersion } from '../accounts/accounts-repo.js';
import { redirectTo } from './finish.js';
import { flowState, newPasswordField, renderFlowPage, type FieldError, type FlowState } from './lifecycle-kit.js';
import { requireSignUpOpen } from './sign-up.js';
import { advance, expectStep, form, jsonStep, type Handler, type StepRoute } from './step-kit.js';

type SignUp = Extract<FlowState, { kind: 'sign-up' }>;

/**
 * The address is verified: only now may an account be made. An address that already had
 * an account never gets here (its code never passes).
 */
function verifiedSignUp(ctx: Context): SignUp | undefined {
  const state = flowState(ctx, 'sign-up');
  return state?.verified && !state.exists ? state : undefined;
}

const requireVerifiedPage: Handler = async (ctx, next) => {
  if (!verifiedSignUp(ctx)) return redirectTo(ctx, `/interaction/${interactionState(ctx).interaction.uid}/sign-up/code`);
  await next();
};

const requireVerifiedJson: Handler = async (ctx, next) => {
  if (!verifiedSignUp(ctx)) throw new AppError('passkey.stale_page', 'This page is out of date. Reload it and try again.', { status: 409 });
  await next();
};

/**
 * /interaction/:uid/sign-up/{choose,password,passkey/*} — after the code, the person
 * picks how to sign in from now on: a passkey (a passkey-only account) or a password
 * (NIST SP 800-63B-4 §3.1.1.2, checked by password-policy.ts, saying why). The account
 * is created here and only here, with the address verified, and the sign-in goes on
 * as a login by that factor (two parallel completions: the unique index lets one win).
 */
export function signUpFinishStep(deps: InteractionDeps): StepRoute[] {
  const { audit, passwordPolicy } = deps.lifecycle;
  const open = requireSignUpOpen(deps);
  const page = [loadInteraction(deps.provider), open, expectStep(deps, 'sign-in', 'page'), requireVerifiedPage];
  const post = [loadInteraction(deps.provider), open, form, requireCsrf(), expectStep(deps, 'sign-in', 'page'), requireVerifiedPage];
  const json = [...jsonStep(deps, 'sign-in'), open, requireVerifiedJson];

  const choosePage = (ctx: Context, error?: FieldError, status = 200) =>
    renderFlowPage(ctx, 'sign-up-choose', 'Choose how to sign in', { email: verifiedSignUp(ctx)!.email, fieldError: error, minLength: passwordPolicy.minLength, passkeyBase: `/interaction/${interactionState(ctx).interaction.uid}` }, status);

  async function created(ctx: Context, accountId: string, method: 'password' | 'passkey') {
    await audit.record({ type: 'account.created', accountId, ip: ctx.ip, detail: { method, via: 'sign-up' } });
    await audit.record({ type: 'email.verified', accountId, ip: ctx.ip, detail: { via: 'sign-up' } });
  }

  async function withPassword(ctx: Context) {
    const state = verifiedSignUp(ctx)!;
    const password = z.object({ password: newPasswordField }).safeParse(ctx.request.body);
    if (!password.success) return choosePage(ctx, { field: 'password', message: 'Enter a password, or create a passkey instead.' }, 400);
    const reason = await checkNewPassword(password.data.password, { email: state.email, name: state.name }, passwordPolicy);
    if (reason) return choosePage(ctx, { field: 'password', message: reason }, 400);
    const account = await deps.accounts.create({
      id: state.accountId,
      email: state.email,
      name: state.name,
      passwordHash: await hashPassword(password.data.password),
      emailVerified: true,
    });
    await created(ctx, account.id, 'password');
    redirectTo(ctx, await advance(ctx, deps, { accountId: account.id, factors: [{ type: 'pwd', at: epochSeconds(deps.clock) }], passwordVersion: passwordVersion(account) }, account));
  }

  async function passkeyOptions(ctx: Context) {
    const state = verifiedSignUp(ctx)!;
    ctx.body = await deps.ceremonies.registrationOptions({
      binding: { interaction: interactionState(ctx).interaction.uid },
      account: { id: state.accountId, email: state.email, name: state.name },
      existing: [],
    });
  }

  async function passkeyVerify(ctx: Context) {
    const state = verifiedSignUp(ctx)!;
    const body = passkeyVerifyBody.parse(ctx.request.body);
    let made = false;
    try {
      const passkey = await deps.ceremonies.register({
        binding: { interaction: interactionState(ctx).interaction.uid },
        accountId: state.accountId,
        response: body.credential,
        name: body.name,
        ip: ctx.ip,
        // Created once the authenticator's response is verified, so a refused ceremony leaves no account.
        beforeSave: async () => {
          await deps.accounts.create({ id: state.accountId, email: state.email, name: state.name, passwordHash: null, emailVerified: true });
          made = true;
        },
      });
      await created(ctx, state.accountId, 'passkey');
      // The registration is a verification with user verification (WebAuthn §7.1 step 15), as a passkey sign-in records it.
      const factor = { type: 'passkey' as const, at: epochSeconds(deps.clock), backupEligible: passkey.backupEligible, hardwareAttested: passkey.hardwareAttested, userVerified: true };
      ctx.body = { redirect: await advance(ctx, deps, { accountId: state.accountId, factors: [factor] }) };
    } catch (err) {
      // A passkey that could not be stored (already registered elsewhere): no account without a way in.
      if (made && !ctx.body) await deps.accounts.removeUnfinished(state.accountId);
      throw err;
    }
  }

  return [
    { method: 'get', path: '/sign-up/choose', handlers: [...page, (ctx) => choosePage(ctx)] },
    // Hashing a password is costly and WebAuthn verification too: per client address and overall.
    { method: 'post', path: '/sign-up/password', handlers: [...post, rateLimit(deps.limits, { name: 'sign-up' }), withPassword] },
    { method: 'post', path: '/sign-up/passkey/options', handlers: [...json, rateLimit(deps.limits, { name: 'passkey' }), passkeyOptions] },
    { method: 'post', path: '/sign-up/passkey/verify', handlers: [...json, rateLimit(deps.limits, { name: 'passkey' }), passkeyVerify] },
  ];
}
