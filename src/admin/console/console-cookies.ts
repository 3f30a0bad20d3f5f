import type { Context } from 'koa';

/**
 * The console's two cookies. `__Host-` on https (RFC 6265bis §4.1.3.2: Secure, Path=/,
 * no Domain, so no sibling host can plant or read them); a plain name on http, where
 * the prefix would make browsers drop the cookie.
 *
 * - the session cookie: HttpOnly, SameSite=Strict (no request from another site ever
 *   carries it, so a link or form elsewhere cannot act with it), for the browser
 *   session only (the server ends it after the idle or absolute lifetime anyway);
 * - the sign-in cookie: binds the sign-in under way to this browser (the state kept
 *   server-side names its hash), SameSite=Lax so that it still comes back on the
 *   callback when the sign-in started from a link in another site.
 */
export function consoleCookies(issuer: string) {
  const https = issuer.startsWith('https:');
  const prefix = https ? '__Host-' : '';
  const session = `${prefix}latchkey.admin`;
  const login = `${prefix}latchkey.admin-login`;
  const secure = (ctx: Context) => {
    // Behind a TLS-terminating proxy the browser still speaks https to the issuer.
    if (https) ctx.cookies.secure = true;
  };
  return {
    session: {
      get: (ctx: Context) => ctx.cookies.get(session) || undefined,
      set(ctx: Context, value: string) {
        secure(ctx);
        ctx.cookies.set(session, value, { httpOnly: true, sameSite: 'strict', secure: https, path: '/', overwrite: true });
      },
      clear(ctx: Context) {
        secure(ctx);
        ctx.cookies.set(session, '', { httpOnly: true, sameSite: 'strict', secure: https, path: '/', overwrite: true, maxAge: 0 });
      },
    },
    login: {
      get: (ctx: Context) => ctx.cookies.get(login) || undefined,
      set(ctx: Context, value: string, maxAgeSeconds: number) {
        secure(ctx);
        ctx.cookies.set(login, value, { httpOnly: true, sameSite: 'lax', secure: https, path: '/', overwrite: true, maxAge: maxAgeSeconds * 1000 });
      },
      clear(ctx: Context) {
        secure(ctx);
        ctx.cookies.set(login, '', { httpOnly: true, sameSite: 'lax', secure: https, path: '/', overwrite: true, maxAge: 0 });
      },
    },
  };
}

export type ConsoleCookies = ReturnType<typeof consoleCookies>;
