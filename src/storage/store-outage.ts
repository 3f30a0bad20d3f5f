import { errors } from 'oidc-provider';
import { codeOf } from './unreachable.js';
import { aroundCalls } from './around-calls.js';

/**
 * A store that went away under a running Latchkey (crashed, restarting, network cut).
 * An OAuth error so the engine's own endpoints answer `503 temporarily_unavailable`
 * (RFC 6749 §4.1.2.1, §5.2 allows extension of the token endpoint's codes the same
 * way) instead of a 500 `server_error`; Latchkey's pages show it as the busy page.
 * Nothing is half-done: the request that met it is refused as a whole (fail closed).
 */
export class StoreUnavailableError extends errors.OIDCProviderError {
  readonly store: 'database' | 'redis';
  constructor(store: 'database' | 'redis', cause: unknown) {
    super(503, 'temporarily_unavailable', { cause });
    this.store = store;
    this.expose = true;
    this.error_description = 'Latchkey cannot reach its storage right now. Nothing was changed; try again in a minute.';
  }
}

// Node's socket errors: the server is not there (any more).
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// SQLSTATE classes that are the server failing, not the statement being refused:
// 08 connection exception, 53 insufficient resources, 57 operator intervention
// (shutdown, crash, still starting), 58 system error.
const SQL_OUTAGE_CLASSES = new Set(['08', '53', '57', '58']);
// node-postgres reports a lost connection, and a server that stopped answering
// (postgres.ts queryTimeoutMs), without a code.
const PG_LOST = /Connection terminated|not queryable|timeout exceeded when trying to connect|Connection closed|Query read timeout/i;
// ioredis: no connection, or the connection closed with the command in flight.
const REDIS_LOST = /Stream isn't writeable|Connection is closed|max retries per request|connection is not ready|Redis is not ready/i;

export function isDatabaseOutage(err: unknown): boolean {
  if (!(err instanceof Error) || err instanceof StoreUnavailableError) return false;
  const code = codeOf(err);
  if (code && NETWORK_CODES.has(code)) return true;
  if (code && /^[0-9A-Z]{5}$/.test(code)) return SQL_OUTAGE_CLASSES.has(code.slice(0, 2));
  return PG_LOST.test(err.message);
}

export function isRedisOutage(err: unknown): boolean {
  if (!(err instanceof Error) || err instanceof StoreUnavailableError) return false;
  const code = codeOf(err);
  if (code && NETWORK_CODES.has(code)) return true;
  return err.name === 'MaxRetriesPerRequestError' || REDIS_LOST.test(err.message);
}

/** `err` as a StoreUnavailableError when it is `store` going away, else `err` itself. */
export function asOutage(store: 'database' | 'redis', err: unknown): unknown {
  return (store === 'database' ? isDatabaseOutage(err) : isRedisOutage(err)) ? new StoreUnavailableError(store, err) : err;
}

/**
 * The same object, with every promise a method returns (and every object a method
 * hands back synchronously: an adapter, a key-value namespace, a limiter) rejecting
 * with StoreUnavailableError when the store is gone.
 */
export function failClosed<T extends object>(store: 'database' | 'redis', target: T): T {
  return aroundCalls(target, (out) => out.catch((err: unknown) => Promise.reject(asOutage(store, err))));
}
