import type { Context } from 'koa';
import type { Metrics } from './metrics.js';

/**
 * Latchkey's own page areas, by path prefix, as route labels. Engine routes are named by
 * the engine itself (`ctx.oidc.route`: authorization, token, jwks, discovery…), a set
 * fixed by its code. Any other path is "other": a label must never carry a raw path,
 * or every scanner's guess would become a new time series.
 */
const PAGE_ROUTES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\/interaction(?:\/|$)/, 'interaction'],
  [/^\/account(?:\/|$)/, 'account'],
  [/^\/(?:static\/|favicon\.ico$)/, 'static'], // the browser's own /favicon.ico is a static file too
  [/^\/healthz$/, 'healthz'],
  [/^\/readyz$/, 'readyz'],
  [/^\/metrics$/, 'metrics'],
  [/^\/dev\/mailbox(?:\/|$)/, 'dev_mailbox'],
  [/^\/$/, 'home'],
];
const ENGINE_ROUTE = /^[a-z_.]{1,48}$/;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function routeLabel(path: string, engineRoute: unknown, status: number): string {
  // A 404 is "other" whatever its prefix: /account/anything-at-all must not look like a page.
  if (status === 404) return 'other';
  if (typeof engineRoute === 'string' && ENGINE_ROUTE.test(engineRoute)) return engineRoute;
  for (const [pattern, label] of PAGE_ROUTES) if (pattern.test(path)) return label;
  return 'other';
}

/**
 * Times every request (outermost, so error pages count with their status). Hooks in the
 * shape of http/around.ts's Around, which this layer sits below.
 */
export function httpMetrics(metrics: Metrics): { enter(ctx: Context): void; done(ctx: Context): void } {
  return {
    enter(ctx) {
      ctx.state.metricsStarted = performance.now();
    },
    done(ctx) {
      // `oidc` is set on the context by the engine for its own routes only.
      const engine = (ctx as { oidc?: { route?: unknown } }).oidc;
      const labels = { route: routeLabel(ctx.path, engine?.route, ctx.status), method: METHODS.has(ctx.method) ? ctx.method : 'other', status: String(ctx.status) };
      metrics.httpDuration.observe(labels, (performance.now() - (ctx.state.metricsStarted as number)) / 1000);
    },
  };
}
