import { randomUUID } from 'node:crypto';
import type { Around } from './around.js';
import type { Logger } from '../common/logger.js';

const REQUEST_ID = /^[\w.-]{1,64}$/;

// Paths that carry a secret (an invitation's single-use link): logged as their template,
// so whoever reads the logs cannot create an invited account's first passkey.
const SECRET_PATHS: Array<[RegExp, string]> = [[/^\/invite\/[^/]+\/[^/]+(\/.*)?$/, '/invite/:account/:token$1']];

/** The path as it may be logged. */
export function loggablePath(path: string): string {
  for (const [pattern, template] of SECRET_PATHS) if (pattern.test(path)) return path.replace(pattern, template);
  return path;
}

/** The caller's X-Request-Id when it is a plain token (it goes into logs), else a new one. */
export function requestIdOf(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** One log line per request with a request id (echoed as X-Request-Id), never the query. */
export function requestLog(logger: Logger): Around {
  return {
    enter(ctx) {
      const reqId = requestIdOf(ctx.req.headers['x-request-id']);
      ctx.state.requestId = reqId;
      // Node's own setHeader: a request id is a plain token or a UUID (requestIdOf), valid as it is.
      ctx.res.setHeader('X-Request-Id', reqId);
      // Checked per request, not per line: the token endpoint is hot.
      if (logger.isLevelEnabled('info')) ctx.state.logStarted = performance.now();
    },
    done(ctx) {
      const started = ctx.state.logStarted as number | undefined;
      if (started === undefined) return;
      logger.info({ reqId: ctx.state.requestId, method: ctx.method, path: loggablePath(ctx.path), status: ctx.status, ms: Math.round(performance.now() - started) }, 'request');
    },
  };
}
