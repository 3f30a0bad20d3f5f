import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../common/logger.js';

const REQUEST_ID = /^[\w.-]{1,64}$/;

/** One log line per request with a request id (echoed as X-Request-Id), never the query. */
export function requestLog(logger: Logger): Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get('X-Request-Id');
    const id = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = id;
    ctx.state.log = logger.child({ reqId: id });
    ctx.set('X-Request-Id', id);
    const started = performance.now();
    try {
      await next();
    } finally {
      ctx.state.log.info(
        { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) },
        'request',
      );
    }
  };
}
