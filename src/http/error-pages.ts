import { HttpError, type Context } from 'koa';
import { errors } from 'oidc-provider';
import { ZodError } from 'zod';
import { AppError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { renderPage } from '../pages/render.js';
import { StoreUnavailableError } from '../storage/store-outage.js';
import type { Around } from './around.js';

interface Shown {
  status: number;
  code: string;
  title: string;
  message: string;
  hint?: string;
}

const EXPIRED: Shown = {
  status: 400,
  code: 'interaction.expired',
  title: 'This sign-in page has expired',
  message: 'The sign-in took too long or was already finished.',
  hint: 'Go back to the application you came from and choose “Sign in” again.',
};
const MALFORMED: Shown = {
  status: 400,
  code: 'invalid_request',
  title: 'Request not accepted',
  message: 'The request was not understood. Reload the page and try again.',
};

const TITLES: Record<number, string> = {
  404: 'Page not found',
  421: 'Wrong address',
  429: 'Too many attempts',
  503: 'Latchkey is busy',
};

// What to do next on a page that asks the person to wait.
const HINTS: Record<number, string> = {
  429: 'When the time is up, go back to the page you came from and try again.',
  503: 'Go back to the page you came from and send it again.',
};

const hint = (status: number) => (HINTS[status] ? { hint: HINTS[status] } : {});

function shown(status: number, code: string, message: string | undefined): Shown {
  // 5xx never shows its message: it may carry internals.
  if (status >= 500) {
    return {
      status,
      code: 'server_error',
      title: 'Something went wrong',
      message: 'Latchkey could not finish this request. Nothing was changed; try again in a moment.',
    };
  }
  return { status, code, title: TITLES[status] ?? 'Request not accepted', message: message || 'The request was not accepted.', ...hint(status) };
}

/**
 * The body parser's malformed JSON: a SyntaxError it marks with status 400, carrying the
 * raw body and quoting it in its message, so neither is ever shown. A SyntaxError
 * without that mark is Latchkey's own bug (500).
 */
function isBodyParseError(err: unknown): boolean {
  return err instanceof SyntaxError && 'status' in err && err.status === 400;
}

function describe(err: unknown): Shown {
  if (err instanceof errors.SessionNotFound || (err instanceof AppError && err.code === 'interaction.expired')) return EXPIRED;
  if (err instanceof ZodError || isBodyParseError(err)) return MALFORMED;
  // A store gone away (crash, restart): busy, not broken, and nothing was done.
  if (err instanceof StoreUnavailableError) {
    return { status: 503, code: 'storage.unavailable', title: TITLES[503]!, message: err.error_description!, ...hint(503) };
  }
  // A 5xx Latchkey chose to explain (busy, not broken: 503 with Retry-After) keeps its words.
  if (err instanceof AppError && err.status >= 500 && err.expose) {
    return { status: err.status, code: err.code, title: TITLES[err.status] ?? 'Something went wrong', message: err.message, ...hint(err.status) };
  }
  if (err instanceof AppError) return shown(err.status, err.code, err.expose ? err.message : undefined);
  // The engine's own errors met on Latchkey's pages (its Session or Interaction models).
  if (err instanceof errors.OIDCProviderError) return shown(err.status, err.error, err.expose ? err.error_description : undefined);
  // Koa's own and its body parser's (too large, wrong type), and oidc-provider's errors.
  if (err instanceof HttpError) return shown(err.status, 'bad_request', err.expose ? err.message : undefined);
  return shown(500, 'server_error', undefined);
}

/** Page scripts send JSON and read `{ error, message }`; browsers get the page. */
function wantsJson(ctx: Context): boolean {
  return Boolean(ctx.request.is('application/json')) || ctx.accepts('html', 'json') === 'json';
}

/**
 * The one error handler for Latchkey's own routes: a readable page (or JSON for page
 * scripts), the right status, never a stack trace or raw input. oidc-provider's protocol
 * errors never reach here; they go through its renderError and JSON responses.
 */
export function errorPages(logger: Logger): Around {
  return {
    async failed(ctx, err) {
      const page = describe(err);
      if (err instanceof AppError) for (const [name, value] of Object.entries(err.headers)) ctx.set(name, value);
      if (err instanceof StoreUnavailableError) ctx.set('Retry-After', '30');
      const requestId = ctx.state.requestId as string | undefined;
      if (page.status >= 500) logger.error({ err, reqId: requestId }, 'request failed');
      if (wantsJson(ctx)) {
        ctx.status = page.status;
        ctx.body = { error: page.code, message: page.message };
        return;
      }
      await renderPage(ctx, 'error', { ...page, requestId }, page.status);
    },
  };
}
