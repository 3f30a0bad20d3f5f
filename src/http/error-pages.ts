import type { Middleware } from 'koa';
import type { Logger } from '../common/logger.js';
import { renderPage } from './views.js';

interface HttpError {
  name?: string;
  status?: number;
  statusCode?: number;
  code?: string;
  expose?: boolean;
  message?: string;
}

/**
 * Errors from Latchkey's own routes become pages: a readable message, the right status,
 * never a stack trace or raw input. oidc-provider's protocol errors never reach here;
 * they go through its renderError / JSON responses.
 */
export function errorPages(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (caught) {
      const err = caught as HttpError;
      const log: Logger = ctx.state.log ?? logger;
      const requestId = ctx.state.requestId as string | undefined;
      if (err.name === 'SessionNotFound') {
        await renderPage(ctx, 'error', {
          title: 'This sign-in page has expired',
          code: 'session_not_found',
          message: 'The sign-in took too long or was already finished.',
          hint: 'Go back to the application you came from and choose “Sign in” again.',
          requestId,
        }, 400);
        return;
      }
      const status = err.status ?? err.statusCode ?? 500;
      if (status < 500 && err.expose !== false && err.message) {
        await renderPage(ctx, 'error', { title: 'Request not accepted', code: err.code ?? 'bad_request', message: err.message, requestId }, status);
        return;
      }
      log.error({ err }, 'request failed');
      await renderPage(ctx, 'error', {
        title: 'Something went wrong',
        code: 'server_error',
        message: 'Latchkey could not finish this request. Nothing was changed; try again in a moment.',
        requestId,
      }, 500);
    }
  };
}
