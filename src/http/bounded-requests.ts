import type { Around } from './around.js';
import { AppError } from '../common/errors.js';
import { REQUEST_LIMITS } from '../provider/request-limits.js';

/**
 * Whole-request limits, before anything is parsed: the query string of every request,
 * and the form body of the endpoints that take authorization parameters in a POST
 * (`formPaths`: the authorization endpoint, OIDC Core §3.1.2.1, and PAR, RFC 9126 §2.1).
 * An oversized request gets Latchkey's `invalid_request` page: without reading it, its
 * client and redirect_uri cannot be trusted, so nothing is redirected.
 */
export function boundedRequests(formPaths: readonly string[]): Around {
  const forms = new Set(formPaths);
  const tooLarge = () => new AppError('invalid_request', 'The request is too large to be accepted.', { status: 400 });
  return {
    enter(ctx) {
      if (Buffer.byteLength(ctx.querystring) > REQUEST_LIMITS.queryBytes) throw tooLarge();
      // A body without Content-Length (chunked) is capped by the engine's own reader.
      if (ctx.method === 'POST' && forms.has(ctx.path) && (ctx.request.length ?? 0) > REQUEST_LIMITS.formBodyBytes) throw tooLarge();
    },
  };
}
