import { Readable } from 'node:stream';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import type { Budget } from '../../config/config.js';
import { rateLimit, type RateLimits } from '../../pages/rate-limit.js';
import type { AdminDeps } from '../service/index.js';
import { authenticate, requireScope, type AdminCaller, type BearerDeps } from './bearer.js';
import { ApiProblem } from './problem.js';
import type { ApiRoute } from './route-table.js';

export interface MountDeps {
  service: AdminDeps;
  bearer: BearerDeps;
  limits: RateLimits;
  /** Requests per client (LATCHKEY_RATE_LIMIT_ACCOUNT unless given). */
  perClient?: Budget;
}

/** `/users/{id}` → `/users/:id` (@koa/router's syntax). */
export const koaPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

const caller = (ctx: Context) => ctx.state.adminCaller as AdminCaller;

/**
 * Mounts the route table on a router: for each route, the bearer check (401), its scope
 * (403), the per-client rate limit (429), the JSON body (64 kB), validation by the route's
 * own schemas (400), If-Match where the route needs one (428), then the handler, whose
 * ETag and body (or JSON lines) go out with `Cache-Control: no-store`.
 */
export function mountRoutes(router: Router, routes: readonly ApiRoute[], deps: MountDeps): void {
  const json = bodyParser({ enableTypes: ['json'], jsonLimit: '64kb', encoding: 'utf-8' });
  const perClient = rateLimit(deps.limits, {
    name: 'admin-api',
    keys: (ctx) => ({ account: `client:${caller(ctx).clientId}` }),
    ...(deps.perClient ? { budgets: { account: deps.perClient } } : {}),
  });
  for (const r of routes) {
    const auth: Middleware = async (ctx: Context, next: Next) => {
      const who = await authenticate(ctx, deps.bearer);
      requireScope(who, r.scope);
      ctx.state.adminCaller = who;
      return next();
    };
    const handler: Middleware = async (ctx: Context) => {
      const ifMatch = ctx.get('if-match') || undefined;
      if (r.ifMatch && !ifMatch) throw new ApiProblem(428, 'admin.precondition_required', 'send If-Match with the ETag of the representation you read, so a change made since is not overwritten');
      const result = await r.handle({
        params: ctx.params,
        query: ctx.query,
        body: r.body ? (ctx.request.body ?? {}) : undefined,
        ifMatch,
        actor: { kind: 'client', id: caller(ctx).clientId },
        scopes: caller(ctx).scopes,
        deps: deps.service,
        ctx,
      });
      ctx.set('Cache-Control', 'no-store');
      if (result.etag) ctx.set('ETag', result.etag);
      ctx.status = result.status;
      if (result.lines) {
        ctx.type = 'application/x-ndjson';
        ctx.body = Readable.from(result.lines);
      } else if (result.body !== undefined) {
        ctx.body = result.body;
      }
    };
    const chain: Middleware[] = [auth, perClient, ...(r.body ? [json] : []), handler];
    router[r.method](koaPath(r.path), ...chain);
  }
}
