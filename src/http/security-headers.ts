import type { Context } from 'koa';
import type { Around } from './around.js';

// No inline script or style anywhere: hosted pages load /static assets only.
// form-action is left out on purpose: Chromium applies it to the redirect chain after a
// form post, which would block the final redirect to the relying party's redirect_uri.
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

// What `ctx.response.is('html')` answers, without parsing the media type on every
// request: only text/html is HTML (its parameters, such as charset, do not matter).
// An answer without a body (204, 304) has no Content-Type at all.
const isHtml = (type: unknown) => typeof type === 'string' && type.slice(0, 9).toLowerCase() === 'text/html' && (type.length === 9 || type[9] === ';' || type[9] === ' ');

// Straight to Node's setHeader: these names and values are constants, valid by
// construction. Koa's `ctx.set` builds arrays and a closure around every call, and it
// runs on every request (the token endpoint too).
const put = (ctx: Context, name: string, value: string) => ctx.res.setHeader(name, value);

export function securityHeaders(options: { hsts: boolean }): Around {
  return {
    enter(ctx) {
      // Set before the handler runs: the engine's own auto-submit pages (response_mode=
      // form_post, RP-initiated logout of an already ended session) add the SHA-256 of
      // their one inline script to the CSP they find, so exactly that script runs and no
      // other. Set afterwards, the CSP would block it and leave a blank page. (On JSON and
      // static files the policy is inert and harmless.)
      put(ctx, 'Content-Security-Policy', CSP);
    },
    leave(ctx) {
      // Whatever streamed its answer itself has sent its headers already (Koa's set would skip them silently).
      if (ctx.res.headersSent) return;
      put(ctx, 'X-Content-Type-Options', 'nosniff');
      put(ctx, 'Referrer-Policy', 'no-referrer');
      put(ctx, 'Cross-Origin-Opener-Policy', 'same-origin');
      // A public document meant for other origins (/.well-known/webauthn) sets its own.
      if (!ctx.res.hasHeader('Cross-Origin-Resource-Policy')) put(ctx, 'Cross-Origin-Resource-Policy', 'same-origin');
      put(ctx, 'Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
      if (options.hsts) put(ctx, 'Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
      if (isHtml(ctx.res.getHeader('Content-Type'))) {
        if (!ctx.res.hasHeader('Content-Security-Policy')) put(ctx, 'Content-Security-Policy', CSP);
        put(ctx, 'X-Frame-Options', 'DENY');
        put(ctx, 'Cache-Control', 'no-store');
      }
    },
  };
}
