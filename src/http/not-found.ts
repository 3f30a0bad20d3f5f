import type { Context } from 'koa';
import type { Around } from './around.js';
import { AppError } from '../common/errors.js';

/** Which methods some route answers on a path; empty when none. */
export type AllowedMethods = (path: string) => readonly string[];

/**
 * Requests nobody answered get Latchkey's own page (or JSON) through the one error
 * handler instead of Koa's plain-text "Not Found": 405 with `Allow` when the path exists
 * for other methods (RFC 9110 §15.5.6), else 404. A router that already decided 405 (and
 * set `Allow`) keeps its answer. Responses a route wrote itself, the engine's OAuth
 * errors included, pass untouched.
 */
export function notFound(allowedMethods: AllowedMethods): Around {
  return {
    leave(ctx) {
      if (ctx.body !== undefined && ctx.body !== null) return;
      if (ctx.status !== 404 && ctx.status !== 405) return;
      const allow = ctx.status === 405 ? ctx.response.get('Allow') : allowedMethods(ctx.path).join(', ');
      if (allow) {
        ctx.set('Allow', allow);
        throw new AppError('request.method_not_allowed', 'This address does not accept this kind of request.', { status: 405 });
      }
      throw new AppError('request.not_found', 'There is no page at this address.', { status: 404 });
    },
  };
}

/** For a page's own paths: this method is not one of `allow`; notFound() renders the 405. */
export function methodNotAllowed(ctx: Context, allow: readonly string[]): void {
  ctx.status = 405;
  ctx.set('Allow', allow.join(', '));
}
