import type { Context, Middleware, Next } from 'koa';
import { addressKey } from '../common/client-address.js';
import { AppError } from '../common/errors.js';
import { sha256 } from '../common/hash.js';
import type { EphemeralStore, RateLimiter } from '../storage/ephemeral-store.js';

import type { Budget } from '../config/config.js';

/** At most `points` requests within `seconds` (LATCHKEY_RATE_LIMIT_*). */
export type { Budget };

/** What a request is counted against: its client IP, the account it names, everyone. */
export type LimitScope = 'ip' | 'account' | 'global';

/**
 * The request-rate limiters of one Latchkey, built once over the ephemeral store (Redis
 * or memory, so every process shares the counts) with the configured budgets
 * (LATCHKEY_RATE_LIMIT_IP / _ACCOUNT / _GLOBAL).
 */
export interface RateLimits {
  limiter(name: string, scope: LimitScope | string, budget?: Budget): RateLimiter;
  readonly budgets: Readonly<Record<LimitScope, Budget>>;
}

export function createRateLimits(store: EphemeralStore, budgets: Readonly<Record<LimitScope, Budget>>): RateLimits {
  const made = new Map<string, RateLimiter>();
  return {
    budgets,
    limiter(name, scope, budget) {
      const b = budget ?? budgets[scope as LimitScope];
      if (!b) throw new Error(`rate limit ${name}:${scope} needs a budget`);
      const id = `${name}:${scope}:${b.points}/${b.seconds}`;
      let limiter = made.get(id);
      if (!limiter) made.set(id, (limiter = store.rateLimiter({ name: `${name}:${scope}`, points: b.points, durationSeconds: b.seconds })));
      return limiter;
    },
  };
}

/** The key for an email in every counter: canonical (so no spelling opens a fresh budget) and hashed (no address in the store). */
export const accountKey = (canonical: string) => sha256(canonical);

export interface RateLimitOptions {
  /** The route family: routes with the same name share their budgets (`password`, `passkey`, `sign-up`…). */
  name: string;
  /**
   * The keys this request is counted under. Default: `{ ip: ctx.ip, global: 'all' }`.
   * Add `account` (an account id, or `accountKey(canonicalEmail(email))`) where the
   * request names one; leave a scope out (or undefined) to not count it.
   */
  keys?: (ctx: Context) => Partial<Record<LimitScope, string | undefined>>;
  /** Budgets other than the configured defaults, per scope. */
  budgets?: Partial<Record<LimitScope, Budget>>;
  /**
   * `oauth`: an OAuth-style JSON error body (RFC 6749 §5.2 shape) for protocol
   * endpoints; default: Latchkey's error page, or `{ error, message }` JSON for
   * scripts (http/error-pages.ts decides).
   */
  answer?: 'page' | 'oauth';
}

export class RateLimited extends AppError {
  readonly retryAfterSeconds: number;
  /** `says` words the refusal for the route, given how long to wait ("60 minutes"). */
  constructor(retryAfterSeconds: number, says = (wait: string) => `Too many attempts in a short time. Wait ${wait} and try again.`) {
    const wait = retryAfterSeconds < 90 ? `${retryAfterSeconds} seconds` : `${Math.ceil(retryAfterSeconds / 60)} minutes`;
    super('rate_limited', says(wait), {
      status: 429,
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The limiter's store cannot be reached: refuse (fail closed), never let the request through uncounted. */
export class LimiterUnavailable extends AppError {
  constructor(cause: unknown) {
    super('server.busy', 'Latchkey cannot take this request right now. Nothing was changed; try again in a minute.', {
      status: 503,
      expose: true,
      cause,
      headers: { 'Retry-After': '60' },
    });
  }
}

/** An OAuth-style error answer (RFC 6749 §5.2 shape, RFC 6585 §4 status) without going through the page handler. */
export function oauthError(ctx: Context, err: AppError): void {
  ctx.status = err.status;
  for (const [name, value] of Object.entries(err.headers)) ctx.set(name, value);
  ctx.set('Cache-Control', 'no-store');
  // RFC 6749 has no throttling code for the token endpoint; temporarily_unavailable
  // (§4.1.2.1) is the registered code closest in meaning, and the status says the rest.
  ctx.body = { error: 'temporarily_unavailable', error_description: err.message };
}

const SCOPES: readonly LimitScope[] = ['ip', 'account', 'global'];

/**
 * Rate limits for any route (OWASP ASVS 5.0 V6.3.1, NIST SP 800-63B-4 §3.2.2): place it
 * after whatever it needs to name the keys (a parsed body, the loaded interaction):
 *
 *     router.post('/sign-up', form, requireCsrf(), parse,
 *       rateLimit(deps.limits, { name: 'sign-up', keys: (ctx) => ({ ip: ctx.ip, account: accountKey(canonicalEmail(ctx.state.input.email)), global: 'all' }) }),
 *       handler);
 *
 * An `ip` key is counted per IPv4 address or IPv6 /64 (client-address.ts `addressKey`).
 * Each request takes one point per scope, in the order ip → account → global, and stops
 * at the first refusal, so a client that is over its own budget does not use up the
 * account's or everyone's. Over budget: 429 with Retry-After and a readable page (JSON
 * for scripts, an OAuth error body with `answer: 'oauth'`). The store unreachable: 503,
 * never a pass.
 */
export function rateLimit(limits: RateLimits, options: RateLimitOptions): Middleware {
  const keysOf = options.keys ?? ((ctx: Context): Partial<Record<LimitScope, string>> => ({ ip: ctx.ip, global: 'all' }));
  return async function limit(ctx: Context, next: Next) {
    const keys = keysOf(ctx);
    const charges: Charge[] = [];
    for (const scope of SCOPES) {
      const given = keys[scope];
      if (given !== undefined) charges.push({ scope, key: scope === 'ip' ? addressKey(given) : given, budget: options.budgets?.[scope] });
    }
    const refusal = await charge(limits, options.name, charges);
    if (!refusal) return next();
    if (options.answer === 'oauth') return oauthError(ctx, refusal);
    throw refusal;
  };
}

/** One counter a request is charged a point on: a scope of the route family's, the key in it, and its budget where not the scope's default. */
interface Charge {
  scope: string;
  key: string;
  budget?: Budget | undefined;
}

/** Takes one point per counter, in order, and stops at the first refusal (returned); undefined when every counter allowed it. */
async function charge(limits: RateLimits, name: string, charges: readonly Charge[]): Promise<AppError | undefined> {
  for (const { scope, key, budget } of charges) {
    const limiter = limits.limiter(name, scope, budget);
    let taken: Awaited<ReturnType<RateLimiter['consume']>>;
    try {
      taken = await limiter.consume(key);
    } catch (err) {
      return new LimiterUnavailable(err);
    }
    if (!taken.allowed) return new RateLimited(taken.retryAfterSeconds);
  }
  return undefined;
}

/**
 * Mails an hour: from one client address to anyone; to one address from one network;
 * to one address from everyone but its owner together; to one address from its owner's
 * known browsers together. The last two together are five, which also bounds guessing:
 * five codes of five tries an hour (README "One-time codes").
 */
export const MAIL_BUDGETS = {
  ip: { points: 30, seconds: 3600 },
  recipientFromAddress: { points: 2, seconds: 3600 },
  recipient: { points: 3, seconds: 3600 },
  recipientFromOwner: { points: 2, seconds: 3600 },
} as const satisfies Record<string, Budget>;

export interface MailLimitOptions {
  /** The recipient: an account id, or `accountKey(mailboxOf(email))`; undefined counts nothing but the client address. */
  to: (ctx: Context) => string | undefined;
  /** Whether the request provably comes from the recipient's owner (a browser that signed in to the account, a signed-in session). */
  owner?: (ctx: Context) => Promise<boolean>;
  /**
   * The owner's budget's key where not `to`: the exact address (`accountKey(email)`) where
   * `to` is its whole mailbox, so the owners of `alice@` and of `alice+work@` do not spend
   * each other's budget, while strangers spend the mailbox's together.
   */
  ownerKey?: (ctx: Context) => string;
  /** The owner's budget where not `MAIL_BUDGETS.recipientFromOwner` (a route only the owner can reach, and no code a stranger could type). */
  ownerBudget?: Budget;
}

/**
 * Requests that send a mail to an address (sign-up, reset, verification codes), so that
 * nobody can flood someone's mailbox through Latchkey, nor keep the owner's own mail from
 * being sent by spending the address's budget first. A stranger's request is counted per
 * client address, per network and recipient, then against what everyone but the owner
 * may send to the address together; a request from one of the owner's known browsers
 * only against what those may send to it together, which strangers cannot spend (nor
 * their client address's budget, which neighbours behind one NAT share). Every request
 * also counts overall.
 */
export function mailLimit(limits: RateLimits, options: MailLimitOptions): Middleware {
  return async function limitMail(ctx: Context, next: Next) {
    const ip = addressKey(ctx.ip);
    const to = options.to(ctx);
    const owner = to !== undefined && (await options.owner?.(ctx)) === true;
    const charges: Charge[] =
      to === undefined
        ? [{ scope: 'ip', key: ip, budget: MAIL_BUDGETS.ip }]
        : owner
          ? [{ scope: 'recipient-owner', key: options.ownerKey?.(ctx) ?? to, budget: options.ownerBudget ?? MAIL_BUDGETS.recipientFromOwner }]
          : [
              { scope: 'ip', key: ip, budget: MAIL_BUDGETS.ip },
              { scope: 'recipient-ip', key: `${to}\0${ip}`, budget: MAIL_BUDGETS.recipientFromAddress },
              { scope: 'recipient', key: to, budget: MAIL_BUDGETS.recipient },
            ];
    charges.push({ scope: 'global', key: 'all' });
    const refusal = await charge(limits, 'code-mail', charges);
    // The same words whichever budget refused, and whether or not the address has an
    // account: they point to the mail already sent, the likeliest way on.
    if (refusal instanceof RateLimited) throw new RateLimited(refusal.retryAfterSeconds, (wait) => `We cannot send more mail for this right now. If we sent you a code a little while ago, use the latest one; otherwise wait ${wait} and try again.`);
    if (refusal) throw refusal;
    await next();
  };
}

/**
 * Typed one-time codes: per client address and per subject, beside the codes' own limits
 * (5 tries per code, a budget per subject and address across purposes;
 * accounts/one-time-codes.ts). Where strangers can type codes for an address (reset,
 * sign-up), the subject names the flow too, so their requests never hold back the owner's.
 */
export function codeLimit(limits: RateLimits, subject: (ctx: Context) => string | undefined): Middleware {
  return rateLimit(limits, { name: 'code', keys: (ctx) => ({ ip: ctx.ip, account: subject(ctx), global: 'all' }) });
}
