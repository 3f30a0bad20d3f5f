import type { Middleware } from 'koa';
import type { Logger } from '../common/logger.js';
import { renderPage } from '../pages/render.js';

interface HttpError {
  name?: string;
  status?: number;
  statusCode?: number;
  code?: string;
  expose?: boolean;
  message?: string;
}

interface Shown {
  status: number;
  code: string;
  title: string;
  message: string;
  hint?: string;
}

function describe(err: HttpError): Shown {
  if (err.name === 'SessionNotFound') {
    return {
      status: 400,
      code: 'session_not_found',
      title: 'This sign-in page has expired',
      message: 'The sign-in took too long or was already finished.',
      hint: 'Go back to the application you came from and choose “Sign in” again.',
    };
  }
  if (err.name === 'ZodError') {
    return { status: 400, code: 'invalid_request', title: 'Request not accepted', message: 'The request was not understood. Reload the page and try again.' };
  }
  const status = err.status ?? err.statusCode ?? 500;
  if (status < 500 && err.expose !== false && err.message) {
    return { status, code: err.code ?? 'bad_request', title: 'Request not accepted', message: err.message };
  }
  return {
    status: status < 500 ? status : 500,
    code: status < 500 ? 'bad_request' : 'server_error',
    title: status < 500 ? 'Request not accepted' : 'Something went wrong',
    message: status < 500 ? 'The request was not accepted.' : 'Latchkey could not finish this request. Nothing was changed; try again in a moment.',
  };
}

/**
 * Errors from Latchkey's own routes become pages (or JSON for page scripts): a readable
 * message, the right status, never a stack trace or raw input. oidc-provider's protocol
 * errors never reach here; they go through its renderError and JSON responses.
 */
export function errorPages(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (caught) {
      const err = caught as HttpError;
      const shown = describe(err);
      const requestId = ctx.state.requestId as string | undefined;
      if (shown.status >= 500) logger.error({ err, reqId: requestId }, 'request failed');
      if (ctx.request.is('application/json')) {
        ctx.status = shown.status;
        ctx.body = { error: shown.code, message: shown.message };
        return;
      }
      await renderPage(ctx, 'error', { ...shown, requestId }, shown.status);
    }
  };
}
