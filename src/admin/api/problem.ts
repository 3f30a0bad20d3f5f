import type { Context } from 'koa';
import { ZodError } from 'zod';
import { AppError } from '../../common/errors.js';

/** One issue of a request that did not validate: where (JSON pointer-ish path) and what. */
export interface ProblemIssue {
  path: string;
  message: string;
}

/**
 * An RFC 9457 problem: `type` a URN per stable `code` (the code is also its own member, for
 * clients that switch on it), `title` short and fixed per code, `detail` for this occurrence.
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  errors?: ProblemIssue[];
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  412: 'Precondition failed',
  413: 'Content too large',
  415: 'Unsupported media type',
  428: 'Precondition required',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
};

/** A problem answer with a stable code; `headers` go with it (WWW-Authenticate, Retry-After). */
export class ApiProblem extends AppError {
  readonly issues: ProblemIssue[] | undefined;
  constructor(status: number, code: string, detail: string, options: { headers?: Record<string, string>; issues?: ProblemIssue[] } = {}) {
    super(code, detail, { status, ...(options.headers ? { headers: options.headers } : {}) });
    this.issues = options.issues;
  }
}

export function zodProblem(err: ZodError, where: 'body' | 'query' | 'path'): ApiProblem {
  const issues = err.issues.slice(0, 20).map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
  return new ApiProblem(400, 'admin.invalid_request', `the request ${where} is not valid`, { issues });
}

const HTTP_CODES: Record<number, string> = { 400: 'admin.invalid_json', 413: 'admin.too_large', 415: 'admin.unsupported_media_type' };

/** Koa's own client errors (the body parser's bad JSON, too large a body) as problems with codes. */
function fromHttpError(err: unknown): unknown {
  if (err instanceof AppError || !(err instanceof Error)) return err;
  const { status } = err as Error & { status?: unknown };
  // co-body's JSON errors carry a status but no expose flag; the detail below is ours, so nothing of theirs is shown.
  if (typeof status !== 'number' || !HTTP_CODES[status]) return err;
  const detail = status === 400 ? 'the body is not valid JSON' : status === 413 ? 'the body is too large (64 kB at most)' : 'send JSON (Content-Type: application/json)';
  return new ApiProblem(status, HTTP_CODES[status], detail);
}

/**
 * Turns any error into `application/problem+json` (RFC 9457). Only exposed AppErrors say
 * what went wrong; anything else is a 500 with a fixed text, logged by the caller.
 */
export function sendProblem(ctx: Context, thrown: unknown): void {
  const err = fromHttpError(thrown);
  const known = err instanceof AppError && err.expose;
  const status = known ? err.status : 500;
  const code = known ? err.code : 'server.error';
  const problem: Problem = {
    type: `urn:latchkey:problem:${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    ...(known ? { detail: err.message } : { detail: 'Latchkey could not answer this request; nothing was changed unless the log says otherwise.' }),
    ...(err instanceof ApiProblem && err.issues ? { errors: err.issues } : {}),
  };
  if (err instanceof AppError) for (const [name, value] of Object.entries(err.headers)) ctx.set(name, value);
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'application/problem+json';
  ctx.body = JSON.stringify(problem);
}
