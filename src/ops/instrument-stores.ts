import type { Db } from '../storage/db.js';
import type { EphemeralStore, FailureLimiter, FailureLimiterOptions, RateLimiter, RateLimiterOptions } from '../storage/ephemeral-store.js';
import type { Metrics } from './metrics.js';

/**
 * Counts store failures and rate-limit refusals around the stores, so no repository or
 * flow module needs to know about metrics. Every method keeps its own `this` (the real
 * object), and objects a method hands back synchronously (an adapter, a limiter, a kv
 * namespace) are counted the same way.
 */
function countRejections<T extends object>(target: T, onError: (err: unknown) => void): T {
  return new Proxy(target, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const out: unknown = value.apply(obj, args);
        if (out instanceof Promise) {
          return out.catch((err: unknown) => {
            onError(err);
            throw err;
          });
        }
        return out !== null && typeof out === 'object' ? countRejections(out, onError) : out;
      };
    },
  });
}

// SQLSTATE classes that are the store failing, not the statement being refused
// (a unique violation or a serialization retry is Latchkey's business, not an outage):
// 08 connection, 53 resources, 57 operator intervention (shutdown), 58 system, XX internal.
const OUTAGE_CLASSES = new Set(['08', '53', '57', '58', 'XX']);
function isOutage(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code) || OUTAGE_CLASSES.has(code.slice(0, 2));
}

export function instrumentDb(db: Db, metrics: Metrics): Db {
  return countRejections(db, (err) => {
    if (isOutage(err)) metrics.storeErrors.inc({ store: 'database' });
  });
}

function countRefusals(limiter: FailureLimiter, name: string, metrics: Metrics): FailureLimiter {
  return {
    async check(key) {
      const out = await limiter.check(key);
      if (out.blockedFor > 0) metrics.rateLimitRefusals.inc({ limiter: name });
      return out;
    },
    async fail(key) {
      const out = await limiter.fail(key);
      if (out.overLimit) metrics.rateLimitRefusals.inc({ limiter: name });
      return out;
    },
    reset: (key) => limiter.reset(key),
  };
}

function countRateRefusals(limiter: RateLimiter, name: string, metrics: Metrics): RateLimiter {
  return {
    async consume(key) {
      const out = await limiter.consume(key);
      if (!out.allowed) metrics.rateLimitRefusals.inc({ limiter: name });
      return out;
    },
  };
}

export function instrumentEphemeral(store: EphemeralStore, metrics: Metrics): EphemeralStore {
  const counted = countRejections(store, () => metrics.storeErrors.inc({ store: 'ephemeral' }));
  return new Proxy(counted, {
    get(obj, prop) {
      // Limiter names are fixed in code (a bounded label).
      if (prop === 'failureLimiter') return (options: FailureLimiterOptions) => countRefusals(counted.failureLimiter(options), options.name, metrics);
      // Request-rate limiters (pages/rate-limit.ts) are named `family:scope` (`password:ip`), also fixed in code.
      if (prop === 'rateLimiter') return (options: RateLimiterOptions) => countRateRefusals(counted.rateLimiter(options), options.name, metrics);
      return Reflect.get(obj, prop);
    },
  });
}
