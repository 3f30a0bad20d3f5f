import { randomBytes } from 'node:crypto';
import type { Middleware } from 'koa';
import { AppError } from '../common/errors.js';
import { safeEqual } from '../common/hash.js';

const COOKIE = 'latchkey.csrf';

export class CsrfError extends AppError {
  constructor() {
    super('csrf.invalid', 'This form has expired. Go back, reload the page and try again.', { status: 403 });
  }
}

/**
 * Double-submit token: a random value in a signed, HttpOnly cookie and the same value
 * in every form. Signing (the app's cookie keys) stops a sibling subdomain from planting
 * its own cookie. Forms read it as `csrfToken`; unsafe methods must echo it as `_csrf`.
 */
export function csrfToken(): Middleware {
  return async (ctx, next) => {
    let token = ctx.cookies.get(COOKIE, { signed: true });
    if (!token) {
      token = randomBytes(32).toString('base64url');
      ctx.cookies.set(COOKIE, token, { signed: true, httpOnly: true, sameSite: 'lax', path: '/', overwrite: true });
    }
    ctx.state.csrfToken = token;
    await next();
  };
}

/** Run after a body parser, on routes that change state: `_csrf` in forms, X-CSRF-Token from scripts. */
export function requireCsrf(): Middleware {
  return async (ctx, next) => {
    const sent = ctx.get('X-CSRF-Token') || (ctx.request.body as Record<string, unknown> | undefined)?._csrf;
    const expected = ctx.cookies.get(COOKIE, { signed: true });
    if (typeof sent !== 'string' || !expected || !safeEqual(sent, expected)) throw new CsrfError();
    await next();
  };
}
