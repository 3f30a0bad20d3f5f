import Router from '@koa/router';
import compose from 'koa-compose';
import type { Context, Middleware, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { Budget } from '../../config/config.js';
import type { Logger } from '../../common/logger.js';
import { adminIndicator } from '../../clients/admin-resource.js';
import type { ClientsRepository } from '../../clients/repository.js';
import type { PageModule } from '../../pages/page-module.js';
import type { RateLimits } from '../../pages/rate-limit.js';
import type { AdminDeps } from '../service/index.js';
import { mountDocs } from './docs.js';
import { mountRoutes } from './mount.js';
import { ApiProblem, sendProblem } from './problem.js';
import { ADMIN_API_ROUTES } from './routes/index.js';
import { onceOutsideRequests } from '../../common/outside-requests.js';

export const ADMIN_API_PREFIX = '/admin/api';
export const ADMIN_API_BASE = `${ADMIN_API_PREFIX}/v1`;

export interface AdminApiDeps {
  service: AdminDeps;
  provider: Provider;
  clients: Pick<ClientsRepository, 'loadForAuth'>;
  limits: RateLimits;
  logger: Logger;
  perClient?: Budget;
}

/**
 * The admin JSON API at /admin/api/v1 (users, clients, resources, audit), its OpenAPI 3.1
 * document at /admin/api/v1/openapi.json and the reference at /admin/api/docs. Every
 * answer under /admin/api/v1 that is not a success is `application/problem+json`.
 */
export function adminApi(deps: AdminApiDeps): PageModule {
  const issuer = deps.service.config.issuer.replace(/\/+$/, '');
  // Built on the first request for it, not at start: zod-to-openapi and the walk over every
  // route's schemas are start-up time for a document few processes are ever asked for.
  const document = onceOutsideRequests(async () => {
    const { openApiDocument } = await import('./openapi.js');
    return openApiDocument(ADMIN_API_ROUTES, { issuer, tokenUrl: `${issuer}${deps.provider.pathFor('token')}`, basePath: ADMIN_API_BASE });
  });
  const router = new Router();
  router.get(`${ADMIN_API_BASE}/openapi.json`, async (ctx) => {
    const body = await document();
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = body;
  });
  mountDocs(router, { docs: `${ADMIN_API_PREFIX}/docs`, specUrl: `${ADMIN_API_BASE}/openapi.json` });
  const api = new Router({ prefix: ADMIN_API_BASE });
  mountRoutes(api, ADMIN_API_ROUTES, {
    service: deps.service,
    bearer: { provider: deps.provider, clients: deps.clients, indicator: adminIndicator(issuer), clock: deps.service.clock },
    limits: deps.limits,
    ...(deps.perClient ? { perClient: deps.perClient } : {}),
  });

  // Problems for everything under /admin/api/v1: thrown errors, unknown paths, wrong methods.
  const problems: Middleware = async (ctx: Context, next: Next) => {
    if (!ctx.path.startsWith(`${ADMIN_API_BASE}/`) && ctx.path !== ADMIN_API_BASE) return next();
    try {
      await next();
      if (ctx.status === 405) throw new ApiProblem(405, 'admin.method_not_allowed', `${ctx.method} is not allowed here`, { headers: { Allow: String(ctx.response.get('Allow')) } });
      if (ctx.status === 404 && ctx.body === undefined) throw new ApiProblem(404, 'admin.not_found', 'no such route in the admin API (see /admin/api/v1/openapi.json)');
    } catch (err) {
      sendProblem(ctx, err);
      // Client errors are answered, not logged; a 500 is a Latchkey bug worth a log line.
      if (ctx.status >= 500) deps.logger.error({ err, path: ctx.path }, 'admin API error');
    }
  };
  return {
    prefixes: [ADMIN_API_PREFIX],
    middleware: compose([problems, router.routes(), router.allowedMethods(), api.routes(), api.allowedMethods()] as Middleware[]),
  };
}
