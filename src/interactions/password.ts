import type { Context, Next } from 'koa';
import { z } from 'zod';
import { epochSeconds } from '../common/clock.js';
import { requireCsrf } from '../pages/csrf.js';
import { rateLimit } from '../pages/rate-limit.js';
import { currentStep, interactionState, loadInteraction, type InteractionDeps } from './context.js';
import { passwordVersion } from '../accounts/accounts-repo.js';
import { readDevice } from './device-cookie.js';
import { redirectTo } from './finish.js';
import { advance, expectStep, form, type StepRoute } from './step-kit.js';
import { renderStep } from './step-pages.js';

const passwordForm = z.object({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(4096),
});

// One message for an unknown email, a wrong password and a locked account: no account
// enumeration, and a lock (per account, for unknown devices) looks like a wrong password.
const SIGN_IN_FAILED = 'The email address or password is not right.';

/** POST /interaction/:uid/password — the sign-in step answered with email and password. */
export function passwordStep(deps: InteractionDeps): StepRoute[] {
  async function parse(ctx: Context, next: Next) {
    const parsed = passwordForm.safeParse(ctx.request.body);
    if (!parsed.success) {
      const typed = (ctx.request.body as Record<string, unknown> | undefined)?.email;
      const email = typeof typed === 'string' ? typed.slice(0, 320) : '';
      const errorField = email.trim() ? 'password' : 'email';
      return renderStep(ctx, deps, currentStep(ctx, 'sign-in'), { email, errorField, error: 'Enter your email address and password.' }, 400);
    }
    ctx.state.input = parsed.data;
    await next();
  }

  async function verify(ctx: Context) {
    const step = currentStep(ctx, 'sign-in');
    const { email, password } = ctx.state.input as z.infer<typeof passwordForm>;
    const result = await deps.passwordLogin({
      email,
      password,
      ip: ctx.ip,
      userAgent: ctx.get('User-Agent') || undefined,
      clientId: String(interactionState(ctx).interaction.params.client_id),
      device: readDevice(ctx, deps.provider.issuer),
    });
    if (!result.ok) {
      if (result.reason !== 'throttled') return renderStep(ctx, deps, step, { email, errorField: 'password', error: SIGN_IN_FAILED }, 401);
      // Per network address, not per account: saying so reveals nothing about the account.
      ctx.set('Retry-After', String(result.retryAfterSeconds));
      return renderStep(ctx, deps, step, { email, error: 'Too many failed sign-ins from your network. Try again later.' }, 429);
    }
    const factors = [{ type: 'pwd' as const, at: epochSeconds(deps.clock) }];
    redirectTo(ctx, await advance(ctx, deps, { accountId: result.account.id, factors, passwordVersion: passwordVersion(result.account) }, result.account));
  }

  // Request rates on top of password-login.ts's failure counts: every attempt counts,
  // per IP and overall (ASVS 5.0 V6.3.1). Not per account: the account's guesses are
  // bounded by the lockout, whose device cookies keep the owner's known browsers out of a
  // stranger's budget; a per-account request count would let a stranger lock them out anyway.
  const limit = rateLimit(deps.limits, { name: 'password' });

  return [{ method: 'post', path: '/password', handlers: [loadInteraction(deps.provider), form, requireCsrf(), expectStep(deps, 'sign-in', 'page'), parse, limit, verify] }];
}
