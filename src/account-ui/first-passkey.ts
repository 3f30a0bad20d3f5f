import type { Router } from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { CODE_TTL_SECONDS } from '../accounts/one-time-codes.js';
import type { PasskeyProof } from '../accounts/passkey-proof.js';
import { epochSeconds, type Clock } from '../common/clock.js';
import { AppError } from '../common/errors.js';
import { requireCsrf } from '../pages/csrf.js';
import { codeLimit, type RateLimits } from '../pages/rate-limit.js';
import type { PasskeysRepo } from '../passkeys/passkeys-repo.js';
import { FRESH_SECONDS } from '../provider/assurance.js';
import type { EphemeralKv } from '../storage/ephemeral-store.js';
import { needsFreshFactor, type SignedIn, type SignedInGuard } from './signed-in.js';

/** Where the account page's first-passkey step is: mail a code, type it, or create the passkey. */
export type FirstPasskeyStage = 'offer' | 'code' | 'create';

const mark = z.object({ accountId: z.string(), at: z.number().int() });

/**
 * The account page's record of the first-passkey proof (DESIGN.md "Binding"): that this
 * session mailed a code, and that the right code came back, each with its time and
 * account, in the ephemeral store keyed by the session — server-side, never a flag the
 * browser sends. A confirmation counts for FRESH_SECONDS and only for a code this
 * session asked for.
 */
export function firstPasskeyMarks(kv: EphemeralKv, clock: Clock) {
  async function read(key: string, accountId: string) {
    const raw = await kv.get(key);
    if (!raw) return undefined;
    const parsed = mark.safeParse(JSON.parse(raw));
    return parsed.success && parsed.data.accountId === accountId ? parsed.data : undefined;
  }
  const sentKey = (sessionUid: string) => `sent:${sessionUid}`;
  const proofKey = (sessionUid: string) => `proof:${sessionUid}`;

  return {
    async recordSent(sessionUid: string, accountId: string): Promise<void> {
      await kv.take(proofKey(sessionUid));
      await kv.put(sentKey(sessionUid), JSON.stringify({ accountId, at: epochSeconds(clock) }), CODE_TTL_SECONDS);
    },

    async wasSent(sessionUid: string, accountId: string): Promise<boolean> {
      const sent = await read(sentKey(sessionUid), accountId);
      return Boolean(sent && epochSeconds(clock) - sent.at <= CODE_TTL_SECONDS);
    },

    async recordProof(sessionUid: string, accountId: string): Promise<void> {
      await kv.take(sentKey(sessionUid));
      await kv.put(proofKey(sessionUid), JSON.stringify({ accountId, at: epochSeconds(clock) }), FRESH_SECONDS);
    },

    /** Seconds the confirmed code still counts for (0: none, or too old). */
    async proofLeft(sessionUid: string, accountId: string): Promise<number> {
      const proof = await read(proofKey(sessionUid), accountId);
      if (!proof) return 0;
      return Math.max(0, FRESH_SECONDS - (epochSeconds(clock) - proof.at));
    },

    async stage(sessionUid: string, accountId: string): Promise<FirstPasskeyStage> {
      if ((await this.proofLeft(sessionUid, accountId)) > 0) return 'create';
      return (await this.wasSent(sessionUid, accountId)) ? 'code' : 'offer';
    },
  };
}

export type FirstPasskeyMarks = ReturnType<typeof firstPasskeyMarks>;

const codeForm = z.object({ code: z.string().max(64).default('') });

export interface FirstPasskeyDeps {
  passkeys: PasskeysRepo;
  passkeyProof: PasskeyProof;
  proofMarks: EphemeralKv;
  clock: Clock;
  guard: SignedInGuard;
  form: Middleware;
  limits: RateLimits;
  origin(ctx: Context): { ip: string; userAgent: string };
  /** The account page, with a code error or a refusal and its status. */
  render(ctx: Context, who: SignedIn, extra: { error?: string; codeError?: boolean }, status: number): Promise<void>;
}

/**
 * /account/passkeys/{send-code,code}: the mailed code a first passkey needs beyond a
 * fresh password (DESIGN.md "Binding"), and `bindingWindow`, which the passkey routes
 * call before any options are issued.
 */
export function firstPasskeyRoutes(router: Router, deps: FirstPasskeyDeps) {
  const { passkeys, passkeyProof, clock, form, origin } = deps;
  const { requireSignedIn, missingFreshness } = deps.guard;
  const marks = firstPasskeyMarks(deps.proofMarks, clock);
  const renderAccount = deps.render;

  /** Mails the code a first passkey needs; only with a fresh password and no passkey yet. */
  router.post('/passkeys/send-code', requireSignedIn, form, requireCsrf(), async (ctx) => {
    const who = ctx.state.who as SignedIn;
    const hasPasskey = (await passkeys.listForAccount(who.account.id)).length > 0;
    if (hasPasskey || (await missingFreshness(who))) {
      ctx.status = 303;
      return ctx.redirect('/account');
    }
    const sent = await passkeyProof.send(who.account, origin(ctx));
    if (!sent.ok) {
      ctx.set('Retry-After', String(sent.retryAfterSeconds));
      return renderAccount(ctx, who, { error: sent.message }, 429);
    }
    await marks.recordSent(who.sessionUid, who.account.id);
    ctx.status = 303;
    ctx.redirect('/account');
  });

  router.post('/passkeys/code', requireSignedIn, form, requireCsrf(), codeLimit(deps.limits, (ctx) => (ctx.state.who as SignedIn).account.id), async (ctx) => {
    const who = ctx.state.who as SignedIn;
    if (!(await marks.wasSent(who.sessionUid, who.account.id)) || (await missingFreshness(who))) {
      ctx.status = 303;
      return ctx.redirect('/account');
    }
    const { code } = codeForm.parse(ctx.request.body);
    const answer = await passkeyProof.confirm(who.account, code, origin(ctx));
    if (!answer.ok) {
      if (answer.retryAfterSeconds) ctx.set('Retry-After', String(answer.retryAfterSeconds));
      return renderAccount(ctx, who, { error: answer.message, codeError: true }, answer.status);
    }
    await marks.recordProof(who.sessionUid, who.account.id);
    ctx.status = 303;
    ctx.redirect('/account');
  });

  return {
    stage: (who: SignedIn) => marks.stage(who.sessionUid, who.account.id),

    /**
     * A first passkey (none on the account yet) also needs the mailed code confirmed in
     * this session; returns how long options may live (the password's and the proof's
     * freshness), or throws before any options are issued.
     */
    async bindingWindow(who: SignedIn): Promise<number> {
      const needs = await missingFreshness(who);
      if (needs) throw needsFreshFactor(needs);
      const hasPasskey = (await passkeys.listForAccount(who.account.id)).length > 0;
      if (hasPasskey) return FRESH_SECONDS;
      const proofLeft = await marks.proofLeft(who.sessionUid, who.account.id);
      if (proofLeft <= 0) {
        throw new AppError('account.code_required', 'Confirm the code we mailed you before adding your first passkey.', { status: 403 });
      }
      const now = epochSeconds(clock);
      const passwordLeft = Math.max(0, ...who.factors.filter((f) => f.type === 'pwd').map((f) => FRESH_SECONDS - (now - f.at)));
      return Math.min(proofLeft, passwordLeft);
    },
  };
}
