import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Context, Middleware } from 'koa';
import { safeEqual } from '../common/hash.js';
import { listenOn } from '../common/listen.js';
import type { Metrics } from './metrics.js';

export const METRICS_PATH = '/metrics';

/** `Authorization: Bearer <token>` matches, compared in constant time (RFC 6750 §2.1). */
function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer ([\x21-\x7e]+)$/i.exec(header ?? '');
  return Boolean(match && safeEqual(match[1]!, token));
}

async function answer(metrics: Pick<Metrics, 'scrape'>, authorization: string | undefined, token: string | undefined): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  if (token !== undefined && !bearerMatches(authorization, token)) {
    return { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="metrics"', 'Content-Type': 'text/plain; charset=utf-8' }, body: 'a bearer token is required\n' };
  }
  const { contentType, body } = await metrics.scrape();
  // Figures change on every scrape; no cache may keep them.
  return { status: 200, headers: { 'Content-Type': contentType, 'Cache-Control': 'no-store' }, body };
}

/** `/metrics` on the main port, behind the bearer token (LATCHKEY_METRICS_TOKEN). */
export function metricsRoute(metrics: Metrics, token: string): Middleware {
  return (ctx, next) => (ctx.path === METRICS_PATH ? served(ctx) : next());

  async function served(ctx: Context): Promise<void> {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.status = 405;
      ctx.set('Allow', 'GET, HEAD');
      return;
    }
    const out = await answer(metrics, ctx.get('Authorization') || undefined, token);
    ctx.status = out.status;
    ctx.set(out.headers);
    ctx.body = out.body;
  }
}

/**
 * `/metrics` on its own port (LATCHKEY_METRICS_PORT, bound to HOST), for a scraper on a
 * network the public never reaches; the token is asked for here too when one is set.
 */
export async function startMetricsServer(metrics: Pick<Metrics, 'scrape'>, options: { host: string; port: number; token?: string | undefined }): Promise<Server> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://metrics.invalid').pathname;
    if (path !== METRICS_PATH || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(path === METRICS_PATH ? 405 : 404, { 'Content-Type': 'text/plain; charset=utf-8', ...(path === METRICS_PATH ? { Allow: 'GET, HEAD' } : {}) });
      res.end(path === METRICS_PATH ? 'method not allowed\n' : 'not found\n');
      return;
    }
    answer(metrics, req.headers.authorization, options.token).then(
      (out) => {
        res.writeHead(out.status, out.headers);
        res.end(req.method === 'HEAD' ? undefined : out.body);
      },
      () => {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('metrics could not be collected\n');
      },
    );
  });
  await listenOn(server, options.host, options.port, 'LATCHKEY_METRICS_PORT');
  return server;
}
