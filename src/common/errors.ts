/**
 * Latchkey's one error type. `code` is stable and dotted (`account.locked`,
 * `passkey.challenge_expired`) for clients, logs and tests; `status` is the HTTP status;
 * `expose` says whether `message` may be shown to the person or client (never true for
 * anything that could carry internals). One handler (http/error-pages.ts) turns these
 * into pages or JSON, and the CLI prints exposed messages.
 *
 * Protocol errors stay oidc-provider's own `errors.*`, so OAuth error codes stay standard.
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly expose: boolean;
  /** Response headers that belong to the answer (`Retry-After` on 429 and 503). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: string, message: string, options: { status?: number; expose?: boolean; cause?: unknown; headers?: Record<string, string> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? 400;
    // 5xx messages are never shown: they may carry internals.
    this.expose = options.expose ?? this.status < 500;
    this.headers = Object.freeze({ ...options.headers });
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
