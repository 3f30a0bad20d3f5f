import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../common/logger.js';

const REQUEST_ID = /^[\w.-]{1,64}$/;

/** One log line per request with a request id (echoed as X-Request-Id), never the query. */
export function requestLog(logger: Logger): Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get('X-Request-Id');
    const reqId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = reqId;
    ctx.set('X-Request-Id', reqId);
    // Checked per request, not per line: the token endpoint is hot.
    if (!logger.isLevelEnabled('info')) return next();
    const started = performance.now();
    try {
      await next();
    } finally {
      logger.info({ reqId, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) }, 'request');
    }
  };
}
