import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import Koa from 'koa';
import * as oidc from 'openid-client';

/**
 * A small relying party that uses Latchkey the way apps should: it reads the standard
 * `acr` claim instead of keeping its own "auth level", and when a page needs more
 * (here: a passkey, `phr`) it sends the user back to Latchkey with `acr_values`.
 */
export interface DemoRpOptions {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  /** Where this app is reachable, e.g. http://localhost:3001. */
  baseUrl: string;
}

interface DemoSession {
  pending?: { verifier: string; state: string; nonce: string; returnTo: string };
  claims?: oidc.IDToken;
  idToken?: string;
  message?: string;
}

const LEVELS = ['pwd', 'phr', 'phrh'];
const meets = (acr: unknown, needed: string) => LEVELS.indexOf(String(acr)) >= LEVELS.indexOf(needed);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title} · Demo app</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}code,pre{background:#f1f3f5;padding:.1rem .3rem;border-radius:4px}pre{padding:.75rem;overflow:auto}nav a{margin-right:1rem}</style>
</head><body><nav><a href="/">Home</a><a href="/sensitive">Sensitive page</a></nav>${body}</body></html>`;
}

/**
 * Where to go after sign-in: a path on this app only, or an open redirect it would be.
 * `//evil.example`, `/\evil.example` and `https://evil.example` all name another origin
 * (browsers read a backslash as a slash), so the value is resolved as a browser would
 * and kept only when the origin stays this app's and the resolved path cannot be read as
 * one (`/a/..//evil.example` resolves to `//evil.example`); anything else returns home.
 */
export function sameOriginPath(value: string | null, baseUrl: string): string {
  const base = new URL(baseUrl);
  const target = value?.startsWith('/') ? URL.parse(value, base) : null;
  if (!target || target.origin !== base.origin || target.pathname.startsWith('//')) return '/';
  return `${target.pathname}${target.search}${target.hash}`;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function createDemoRp(options: DemoRpOptions): Promise<Koa> {
  const issuer = new URL(options.issuer);
  const config = await oidc.discovery(
    issuer,
    options.clientId,
    options.clientSecret,
    options.clientSecret ? undefined : oidc.None(),
    issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined,
  );
  // Demo only: sessions in memory. A real app uses its framework's session store.
  const sessions = new Map<string, DemoSession>();
  const app = new Koa();
  app.keys = [randomBytes(32).toString('base64url')];

  app.use(async (ctx, next) => {
    let id = ctx.cookies.get('demo.sid', { signed: true });
    if (!id || !sessions.has(id)) {
      id = randomBytes(16).toString('base64url');
      sessions.set(id, {});
      ctx.cookies.set('demo.sid', id, { signed: true, httpOnly: true, sameSite: 'lax' });
    }
    ctx.state.session = sessions.get(id);
    ctx.state.sid = id;
    await next();
  });

  app.use(async (ctx) => {
    const session = ctx.state.session as DemoSession;
    const url = new URL(ctx.url, options.baseUrl);
    ctx.type = 'html';

    if (url.pathname === '/login') {
      const verifier = oidc.randomPKCECodeVerifier();
      const returnTo = sameOriginPath(url.searchParams.get('returnTo'), options.baseUrl);
      session.pending = { verifier, state: oidc.randomState(), nonce: oidc.randomNonce(), returnTo };
      const params: Record<string, string> = {
        redirect_uri: `${options.baseUrl}/callback`,
        scope: 'openid email profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state: session.pending.state,
        nonce: session.pending.nonce,
      };
      const acr = url.searchParams.get('acr');
      if (acr && LEVELS.includes(acr)) params.acr_values = acr;
      return ctx.redirect(oidc.buildAuthorizationUrl(config, params).href);
    }

    if (url.pathname === '/callback') {
      const pending = session.pending;
      session.pending = undefined;
      const error = url.searchParams.get('error');
      if (error || !pending) {
        session.message =
          error === 'unmet_authentication_requirements'
            ? 'Latchkey could not confirm the stronger sign-in this page needs (for example, no passkey yet). Add a passkey on your Latchkey account page and try again.'
            : `Sign-in did not complete (${escape(error ?? 'no pending sign-in')}).`;
        return ctx.redirect('/');
      }
      const tokens = await oidc.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
      });
      session.claims = tokens.claims();
      session.idToken = tokens.id_token;
      return ctx.redirect(pending.returnTo);
    }

    if (url.pathname === '/sensitive') {
      if (!session.claims) return ctx.redirect('/login?returnTo=/sensitive');
      // The replacement for a home-made authLevel guard: a standard claim and a standard
      // parameter. Too weak → back to Latchkey asking for what is missing.
      if (!meets(session.claims.acr, 'phr')) return ctx.redirect('/login?acr=phr&returnTo=/sensitive');
      ctx.body = page('Sensitive', `<h1>Sensitive page</h1><p id="sensitive-ok">You signed in with a passkey (<code>acr=${escape(String(session.claims.acr))}</code>), so this page is open.</p>`);
      return;
    }

    if (url.pathname === '/logout') {
      const idToken = session.idToken;
      sessions.delete(ctx.state.sid as string);
      ctx.cookies.set('demo.sid', null);
      if (!idToken) return ctx.redirect('/');
      return ctx.redirect(oidc.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: `${options.baseUrl}/` }).href);
    }

    if (url.pathname === '/') {
      const message = session.message ? `<p id="message"><strong>${session.message}</strong></p>` : '';
      session.message = undefined;
      if (!session.claims) {
        ctx.body = page('Home', `<h1>Demo app</h1>${message}<p>You are not signed in.</p><p><a id="sign-in" href="/login">Sign in with Latchkey</a></p>`);
        return;
      }
      const c = session.claims;
      ctx.body = page(
        'Home',
        `<h1>Demo app</h1>${message}<p>Signed in as <strong>${escape(String(c.email ?? c.sub))}</strong>.</p>
<dl><dt>acr</dt><dd><code id="acr">${escape(String(c.acr))}</code></dd>
<dt>amr</dt><dd><code id="amr">${escape(JSON.stringify(c.amr))}</code></dd>
<dt>auth_time</dt><dd><code id="auth-time">${escape(String(c.auth_time))}</code> (${new Date(Number(c.auth_time) * 1000).toISOString()})</dd></dl>
<p><a href="/sensitive">Open the sensitive page</a> (needs a passkey) · <a id="sign-out" href="/logout">Sign out</a></p>
<details><summary>ID token claims</summary><pre>${escape(JSON.stringify(c, null, 2))}</pre></details>`,
      );
      return;
    }
    ctx.status = 404;
    ctx.body = page('Not found', '<h1>Not found</h1>');
  });

  return app;
}

export async function startDemoRp(options: DemoRpOptions & { port: number; host?: string }): Promise<Server> {
  const app = await createDemoRp(options);
  const server = createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
