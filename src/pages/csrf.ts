import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { cookieSecrets } from '../common/cookie-keys.js';
import { AppError } from '../common/errors.js';
import { safeEqual } from '../common/hash.js';

export class CsrfError extends AppError {
  constructor() {
    super('csrf.invalid', 'This form has expired. Go back, reload the page and try again.', { status: 403 });
  }
}

export class CrossSiteError extends AppError {
  constructor() {
    super('csrf.cross_site', 'This request came from another site, so it was not accepted. Open the page again from its own address and try again.', {
      status: 403,
    });
  }
}

export interface CsrfOptions {
  /** Latchkey's issuer: the only origin that may post to its pages; https gives the cookie its `__Host-` prefix. */
  issuer: string;
  /**
   * What this router's tokens are bound to: `interaction:<uid>` on /interaction/:uid,
   * `session:<uid>` on the account pages, so a token from one interaction or session is
   * refused on another.
   */
  bind(ctx: Context): string | Promise<string>;
}

interface CsrfState {
  cookie: string;
  binding: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `__Host-` (RFC 6265bis §4.1.3.2) on https: Secure, Path=/, no Domain, so no sibling host can plant it. */
export function csrfCookieName(issuer: string): string {
  return issuer.startsWith('https:') ? '__Host-latchkey.csrf' : 'latchkey.csrf';
}

// One HMAC key per cookie key (the app's Koa keys, which rotate), derived for this use only.
const derived = new Map<string, Buffer>();
function csrfKeys(ctx: Context): Buffer[] {
  const keys = cookieSecrets(ctx.app.keys);
  if (keys.length === 0) throw new AppError('csrf.no_keys', 'no cookie keys for CSRF tokens', { status: 500 });
  return keys.map((k) => {
    let key = derived.get(k);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', k, Buffer.alloc(0), 'latchkey csrf token', 32));
      derived.set(k, key);
    }
    return key;
  });
}

function tokenFor(key: Buffer, state: CsrfState): string {
  return createHmac('sha256', key).update(`${state.binding}\0${state.cookie}`).digest('base64url');
}

/**
 * Fetch metadata and Origin (OWASP CSRF Prevention Cheat Sheet, "Fetch Metadata" and
 * "Verifying origin with standard headers"): a state-changing request to Latchkey's
 * pages must come from Latchkey's own origin. Either header may be missing (older
 * browsers, non-browser clients); the token below still applies.
 *
 * - `Sec-Fetch-Site` (when sent) must be `same-origin`, or `none` for a navigation the
 *   person started (address bar, bookmark); `same-site` is refused too (a sibling host).
 * - `Origin` (when sent) must be the issuer's. `Origin: null` is what a browser sends on
 *   a same-origin form post under Latchkey's `Referrer-Policy: no-referrer` (Fetch
 *   "serializing a request origin"), and also what a sandboxed frame sends: it passes only when fetch metadata
 *   vouches for a same-origin request, which a sandboxed frame elsewhere never gets.
 */
function assertSameOrigin(ctx: Context, issuerOrigin: string): void {
  const site = ctx.get('Sec-Fetch-Site');
  const sameOrigin = site === 'same-origin';
  if (site && !sameOrigin && !(site === 'none' && ctx.get('Sec-Fetch-Mode') === 'navigate')) throw new CrossSiteError();
  const origin = ctx.get('Origin');
  if (origin && origin !== issuerOrigin && !(origin === 'null' && sameOrigin)) throw new CrossSiteError();
}

/**
 * Signed double submit (OWASP CSRF Prevention Cheat Sheet), bound to what the page acts
 * on: a random value in a signed, HttpOnly cookie, and in every form an HMAC (server key)
 * of that value and the interaction or session id. A sibling host cannot plant the
 * cookie (signed, `__Host-` on https), and a token from another interaction, session or
 * browser does not verify. Forms read it as `csrfToken`; unsafe methods echo it as
 * `_csrf` (forms) or `X-CSRF-Token` (page scripts), checked by `requireCsrf()`. Every
 * unsafe request on the router must also come from Latchkey's own origin.
 */
export function csrfToken(options: CsrfOptions): Middleware {
  const issuerOrigin = new URL(options.issuer).origin;
  const https = options.issuer.startsWith('https:');
  const name = csrfCookieName(options.issuer);
  return async (ctx, next) => {
    if (!SAFE_METHODS.has(ctx.method)) assertSameOrigin(ctx, issuerOrigin);
    let cookie = ctx.cookies.get(name, { signed: true });
    if (!cookie) {
      cookie = randomBytes(32).toString('base64url');
      // Behind a TLS-terminating proxy the browser still speaks https to the issuer.
      if (https) ctx.cookies.secure = true;
      ctx.cookies.set(name, cookie, { signed: true, httpOnly: true, sameSite: 'lax', secure: https, path: '/', overwrite: true });
    }
    const state: CsrfState = { cookie, binding: await options.bind(ctx) };
    ctx.state.csrf = state;
    ctx.state.csrfToken = tokenFor(csrfKeys(ctx)[0]!, state);
    await next();
  };
}

/** Run after a body parser, on routes that change state: `_csrf` in forms, X-CSRF-Token from scripts. */
export function requireCsrf(): Middleware {
  return async (ctx, next) => {
    const state = ctx.state.csrf as CsrfState | undefined;
    // No csrfToken() before this (a router wired without it): refuse rather than pass.
    if (!state) throw new CsrfError();
    const sent = ctx.get('X-CSRF-Token') || (ctx.request.body as Record<string, unknown> | undefined)?._csrf;
    if (typeof sent !== 'string' || !csrfKeys(ctx).some((key) => safeEqual(sent, tokenFor(key, state)))) throw new CsrfError();
    await next();
  };
}
