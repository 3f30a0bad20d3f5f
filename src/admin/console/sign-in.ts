import { randomBytes } from 'node:crypto';
import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import type { AccountsRepo } from '../../accounts/accounts-repo.js';
import type { AuditLog } from '../../audit/audit-log.js';
import { epochSeconds, type Clock } from '../../common/clock.js';
import { safeEqual, sha256 } from '../../common/hash.js';
import type { Acr } from '../../provider/assurance.js';
import { ADMIN_CLIENT_ID, adminRedirectUri } from '../../provider/admin-client.js';
import { redeemAuthorizationCode } from '../../provider/oidc-internals.js';
import type { EphemeralKv } from '../../storage/ephemeral-store.js';
import { rateLimit, type RateLimits } from '../../pages/rate-limit.js';
import type { AdminSessions } from './admin-sessions.js';
import { checkCallback } from './callback-check.js';
import type { ConsoleCookies } from './console-cookies.js';
import { refusal } from './refusals.js';
import { renderAdmin } from './render.js';

export interface SignInDeps {
  provider: Provider;
  accounts: AccountsRepo;
  audit: AuditLog;
  clock: Clock;
  sessions: AdminSessions;
  cookies: ConsoleCookies;
  /** Sign-ins under way (state → nonce, verifier, browser), and redeemed codes. */
  logins: EphemeralKv;
  redeemed: EphemeralKv;
  /** LATCHKEY_ADMIN_ACR. */
  acr: Acr;
  /** Request-rate limits (pages/rate-limit.ts): each sign-in start stores state. */
  limits: RateLimits;
}

// How long a sign-in may take, from the console's redirect to the callback.
const LOGIN_SECONDS = 10 * 60;
/**
 * The console asks for a sign-in this recent (OIDC Core §3.1.2.1 max_age): an admin
 * session can do anything, so it starts from a factor verified now — a passkey step-up
 * on top of an existing Latchkey session — not from a sign-in days old.
 */
export const ADMIN_MAX_AGE_SECONDS = 300;

const pending = z.object({ nonce: z.string(), verifier: z.string(), browser: z.string(), returnTo: z.string() });

/** Only a console page may be returned to (never another origin or path: no open redirect). */
export function safeReturn(value: unknown): string {
  return typeof value === 'string' && /^\/admin\/(users|clients|resources|audit)(\/[\w\-/]*)?(\?[\w\-=&%.+]*)?$/.test(value) ? value : '/admin/users';
}

const str = (v: unknown) => (typeof v === 'string' && v.length <= 2048 ? v : undefined);

/**
 * The console signs in as a first-party client of Latchkey itself (provider/admin-client.ts):
 * authorization code with PKCE, state and nonce, asking for LATCHKEY_ADMIN_ACR both as
 * `acr_values` and as an essential `acr` claim (OIDC Core §5.5.1.1), so the interaction
 * asks for the passkey step-up and never issues a code below the bar.
 */
export function signInRoutes(router: Router, deps: SignInDeps): void {
  const { provider, accounts, audit, clock, sessions, cookies, logins, redeemed, acr } = deps;
  const redirectUri = adminRedirectUri(provider.issuer);
  // Each start stores a sign-in's state for ten minutes: counted per address and overall, like other sign-in routes.
  const startLimit = rateLimit(deps.limits, { name: 'admin-sign-in' });

  router.get('/sign-in', startLimit, async (ctx) => {
    const state = randomBytes(32).toString('base64url');
    const nonce = randomBytes(32).toString('base64url');
    const verifier = randomBytes(32).toString('base64url');
    // One browser value for every sign-in tab of this browser, so two tabs do not undo each other.
    const browser = cookies.login.get(ctx) ?? randomBytes(32).toString('base64url');
    cookies.login.set(ctx, browser, LOGIN_SECONDS);
    await logins.put(sha256(state), JSON.stringify({ nonce, verifier, browser: sha256(browser), returnTo: safeReturn(ctx.query.return) }), LOGIN_SECONDS);
    const params = new URLSearchParams({
      client_id: ADMIN_CLIENT_ID,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: redirectUri,
      // RFC 7636 §4.2: S256 is BASE64URL(SHA256(code_verifier)), which is what sha256() gives.
      code_challenge: sha256(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      acr_values: acr,
      claims: JSON.stringify({ id_token: { acr: { essential: true, values: [acr] } } }),
      max_age: String(ADMIN_MAX_AGE_SECONDS),
    });
    ctx.redirect(`/auth?${params}`);
  });

  router.get('/callback', async (ctx) => {
    const error = str(ctx.query.error);
    if (error) {
      // Only our own words, never the query's (error pages never echo raw input).
      return refusal(ctx, error === 'unmet_authentication_requirements' ? 'needs_passkey' : 'not_finished');
    }
    const state = str(ctx.query.state);
    const value = str(ctx.query.code);
    const raw = state ? await logins.take(sha256(state)) : undefined;
    const browser = cookies.login.get(ctx);
    const expected = raw ? pending.safeParse(JSON.parse(raw)) : undefined;
    if (!value || !expected?.success || !browser || !safeEqual(sha256(browser), expected.data.browser)) return refusal(ctx, 'expired');
    cookies.login.clear(ctx);

    const code = await redeemAuthorizationCode(provider, value, (jti) => redeemed.claim(sha256(jti), 3600));
    const outcome = code
      ? checkCallback(code, { clientId: ADMIN_CLIENT_ID, redirectUri, verifier: expected.data.verifier, nonce: expected.data.nonce, acr, maxAgeSeconds: ADMIN_MAX_AGE_SECONDS, now: epochSeconds(clock) })
      : ({ ok: false, why: 'invalid' } as const);
    if (!outcome.ok) return refusal(ctx, outcome.why === 'too_weak' ? 'needs_passkey' : 'expired');

    // Disabled accounts are unknown to lookups (accounts-repo.ts), so they land here too.
    const account = await accounts.findById(outcome.accountId);
    if (!account?.isAdmin) {
      await audit.record({ type: 'admin.console_refused', accountId: outcome.accountId, ip: ctx.ip, userAgent: ctx.get('user-agent'), detail: { reason: account ? 'not_admin' : 'unknown' } });
      return refusal(ctx, 'not_admin');
    }
    // A new sign-in replaces this browser's earlier console session rather than leaving it live beside it.
    await sessions.end(cookies.session.get(ctx));
    const { token } = await sessions.start({ accountId: account.id, sessionUid: outcome.sessionUid, acr: outcome.acr, amr: outcome.amr });
    cookies.session.set(ctx, token);
    await audit.record({ type: 'admin.signed_in', accountId: account.id, ip: ctx.ip, userAgent: ctx.get('user-agent'), detail: { acr: outcome.acr, amr: outcome.amr } });
    await continueTo(ctx, expected.data.returnTo);
  });

  router.get('/signed-out', async (ctx) => {
    await renderAdmin(ctx, 'signed-out', { title: 'Signed out of the admin console' });
  });
}

/**
 * To the console after the sign-in. The new session cookie is SameSite=Strict: when the
 * sign-in's chain of redirects began on another site (a link in a mail), the browser
 * would leave it off a redirect (Sec-Fetch-Site says so), so such a sign-in gets a page
 * that moves on by itself (a same-origin navigation, which carries the cookie) and a link.
 */
async function continueTo(ctx: Context, target: string): Promise<void> {
  const site = ctx.get('Sec-Fetch-Site');
  if (site === 'cross-site' || site === 'same-site') {
    await renderAdmin(ctx, 'continue', { title: 'Signed in', target });
    return;
  }
  ctx.status = 303;
  ctx.redirect(target);
}
