import { Router } from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import compose from 'koa-compose';
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { AccountsRepo } from '../../accounts/accounts-repo.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { Clock } from '../../common/clock.js';
import { sha256 } from '../../common/hash.js';
import { csrfToken, requireCsrf } from '../../pages/csrf.js';
import type { RateLimits } from '../../pages/rate-limit.js';
import type { PageModule } from '../../pages/page-module.js';
import type { Acr } from '../../provider/assurance.js';
import { sessionByUid } from '../../provider/oidc-internals.js';
import type { EphemeralKv } from '../../storage/ephemeral-store.js';
import { createAdminSessions } from './admin-sessions.js';
import { consoleCookies } from './console-cookies.js';
import { adminGuard } from './guard.js';
import type { AdminDeps } from '../service/index.js';
import { auditPages } from './pages/audit.js';
import { clientPages } from './pages/clients.js';
import type { PageKit } from './pages/kit.js';
import { resourcePages } from './pages/resources.js';
import { userPages } from './pages/users.js';
import { signInRoutes } from './sign-in.js';

export interface AdminConsoleDeps {
  provider: Provider;
  accounts: AccountsRepo;
  audit: AuditLog;
  clock: Clock;
  /** A namespace of the ephemeral store (sessions, sign-ins under way, redeemed codes). */
  kv(namespace: string): EphemeralKv;
  /** Request-rate limits (pages/rate-limit.ts). */
  limits: RateLimits;
  /** What the admin service's operations run over (admin/service/context.ts). */
  service: AdminDeps;
  /** LATCHKEY_ADMIN_ACR, LATCHKEY_ADMIN_IDLE_SECONDS, LATCHKEY_ADMIN_TTL_SECONDS. */
  settings: { acr: Acr; idleSeconds: number; ttlSeconds: number };
}

/** Where the console lives; the admin API (/admin/api) is its own page module, listed before this one. */
export const ADMIN_PREFIX = '/admin';

/**
 * /admin — the hosted admin console: its own sign-in (sign-in.ts), its own short
 * session (admin-sessions.ts) checked on every request (guard.ts), and the pages.
 */
export function adminConsole(deps: AdminConsoleDeps): PageModule {
  const { provider, accounts, audit, clock, settings } = deps;
  const router = new Router({ prefix: ADMIN_PREFIX });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  const cookies = consoleCookies(provider.issuer);
  const sessions = createAdminSessions({ kv: deps.kv('admin-session'), clock, idleSeconds: settings.idleSeconds, ttlSeconds: settings.ttlSeconds });
  const requireAdmin = adminGuard({ accounts, sessions, cookies, signedInAccount: async (uid) => (await sessionByUid(provider, uid))?.accountId });

  // Every form's token is bound to the admin session (its cookie's hash), so a token
  // from another session, or from before a sign-in, is refused.
  router.use(csrfToken({ issuer: provider.issuer, bind: (ctx) => `admin:${sha256(cookies.session.get(ctx) ?? '-')}` }));

  signInRoutes(router, { provider, accounts, audit, clock, sessions, cookies, logins: deps.kv('admin-login'), redeemed: deps.kv('admin-code'), acr: settings.acr, limits: deps.limits });

  router.post('/sign-out', form, requireCsrf(), async (ctx) => {
    const token = cookies.session.get(ctx);
    const session = await sessions.find(token);
    await sessions.end(token);
    cookies.session.clear(ctx);
    if (session) await audit.record({ type: 'admin.signed_out', accountId: session.accountId, ip: ctx.ip, userAgent: ctx.get('user-agent') });
    ctx.status = 303;
    ctx.redirect('/admin/signed-out');
  });

  router.get('/', requireAdmin, (ctx) => ctx.redirect('/admin/users'));

  const kit: PageKit = { router, requireAdmin, post: [form, requireCsrf()], service: deps.service };
  userPages(kit);
  clientPages(kit);
  resourcePages(kit);
  auditPages(kit);

  // The router's middleware is typed for the params it sets itself; as Koa middleware it is sound.
  return { prefixes: [ADMIN_PREFIX], middleware: compose([router.routes(), router.allowedMethods()] as Middleware[]) };
}
