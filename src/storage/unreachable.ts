import { AppError } from '../common/errors.js';

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
};

/** A store that cannot be reached at start: one line for the operator, no stack. */
export class StoreUnreachableError extends AppError {
  constructor(message: string, cause: unknown) {
    super('storage.unreachable', message, { status: 503, expose: true, cause });
    this.name = 'StoreUnreachableError';
  }
}

/** The error's `code`, or that of the first of an AggregateError's errors. */
export function codeOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; errors?: unknown[] } | undefined;
  if (typeof e?.code === 'string') return e.code;
  // AggregateError: pg and net try each address of a host name in turn.
  return Array.isArray(e?.errors) && e.errors.length ? codeOf(e.errors[0]) : undefined;
}

/** The StoreUnreachableError for a network failure reaching `what`, else `err` itself. */
export function unreachable(err: unknown, what: string): unknown {
  const reason = REASONS[codeOf(err) ?? ''];
  return reason ? new StoreUnreachableError(`cannot reach ${what}: ${reason}`, err) : err;
}
