import type { Middleware } from 'koa';
import type { PageModule } from '../pages/page-module.js';
import { methodNotAllowed } from './not-found.js';

export type ReadinessCheck = () => Promise<void>;

/**
 * /healthz: the process is up. /readyz: every store answers; a load balancer stops
 * sending traffic while one is down, and sign-ins fail closed meanwhile.
 */
export function health(checks: Record<string, ReadinessCheck>): PageModule {
  const middleware: Middleware = async (ctx, next) => {
    if (ctx.path !== '/healthz' && ctx.path !== '/readyz') return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return methodNotAllowed(ctx, ['GET', 'HEAD']);
    if (ctx.path === '/healthz') {
      ctx.body = { status: 'ok' };
      return;
    }
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref())]);
          return [name, 'ok'] as const;
        } catch {
          return [name, 'unavailable'] as const;
        }
      }),
    );
    const ready = results.every(([, s]) => s === 'ok');
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'unavailable', checks: Object.fromEntries(results) };
  };
  return { prefixes: ['/healthz', '/readyz'], middleware };
}
