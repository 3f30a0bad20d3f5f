import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import { type Clock, epochSeconds, systemClock } from '../common/clock.js';
import type { EphemeralKv, EphemeralStore, FailureLimiter, FailureLimiterOptions, RateLimiter } from './ephemeral-store.js';
import { storablePayload } from './model-payload.js';

/**
 * The ephemeral store in process memory, for the embedded single-process mode. All of
 * its state (models, kv values, failure counts) lives in this one instance, expires by
 * its clock, and is covered by its sweep. Ids are not hashed here: nothing leaves the
 * process.
 */
export function createMemoryStore(deps: { clock?: Clock } = {}): EphemeralStore {
  const clock = deps.clock ?? systemClock;
  const now = () => clock().getTime();
  const models = memoryModels(clock);
  const values = expiringMap<{ value: string; expiresAt: number }>(now);
  const counts = expiringMap<{ failures: number; expiresAt: number }>(now);

  return {
    name: 'memory',
    adapterFor: models.adapterFor,
    kv(namespace) {
      return memoryKv(values, `${namespace}:`, now);
    },
    failureLimiter(options) {
      return memoryLimiter(counts, options, now);
    },
    rateLimiter(options) {
      // A request rate is a failure count where every request counts (no block beyond the window).
      const counter = memoryLimiter(counts, { ...options, name: `rate:${options.name}`, blockSeconds: 0 }, now);
      return {
        async consume(key): ReturnType<RateLimiter['consume']> {
          const taken = await counter.fail(key);
          return taken.overLimit ? { allowed: false, retryAfterSeconds: taken.blockedFor } : { allowed: true };
        },
      };
    },
    async ping() {},
    async sweep() {
      return models.sweep() + values.sweep() + counts.sweep();
    },
    async close() {},
  };
}

type ExpiringMap<T extends { expiresAt: number }> = ReturnType<typeof expiringMap<T>>;

/** Entries that stop existing at `expiresAt` (ms since the epoch, by the store's clock). */
function expiringMap<T extends { expiresAt: number }>(now: () => number) {
  const entries = new Map<string, T>();
  return {
    get(key: string): T | undefined {
      const entry = entries.get(key);
      if (entry && entry.expiresAt <= now()) {
        entries.delete(key);
        return undefined;
      }
      return entry;
    },
    set(key: string, entry: T): void {
      entries.set(key, entry);
    },
    delete(key: string): void {
      entries.delete(key);
    },
    size: () => entries.size,
    /** Drops expired entries; returns how many went. */
    sweep(): number {
      let removed = 0;
      const at = now();
      for (const [key, entry] of entries) {
        if (entry.expiresAt <= at) {
          entries.delete(key);
          removed += 1;
        }
      }
      return removed;
    },
  };
}

const expiry = (now: number, seconds: number) => (seconds > 0 ? now + seconds * 1000 : Number.POSITIVE_INFINITY);

function memoryKv(values: ExpiringMap<{ value: string; expiresAt: number }>, prefix: string, now: () => number): EphemeralKv {
  return {
    async put(key, value, ttlSeconds) {
      // Opportunistic cleanup keeps the map bounded between sweeps without a timer.
      if (values.size() > 1000) values.sweep();
      values.set(prefix + key, { value, expiresAt: now() + ttlSeconds * 1000 });
    },
    async take(key) {
      const entry = values.get(prefix + key);
      values.delete(prefix + key);
      return entry?.value;
    },
    async get(key) {
      return values.get(prefix + key)?.value;
    },
    async claim(key, ttlSeconds) {
      if (values.get(prefix + key)) return false;
      values.set(prefix + key, { value: '1', expiresAt: now() + ttlSeconds * 1000 });
      return true;
    },
  };
}

/**
 * The same counting as rate-limiter-flexible's, which the Redis store uses: a window of
 * `durationSeconds` from the first failure; the first failure beyond the allowance
 * starts a block of `blockSeconds`.
 */
function memoryLimiter(
  counts: ExpiringMap<{ failures: number; expiresAt: number }>,
  options: FailureLimiterOptions,
  now: () => number,
): FailureLimiter {
  const key = (k: string) => `${options.name}:${k}`;
  const secondsLeft = (expiresAt: number, at: number) => Math.max(1, Math.ceil(Number.isFinite(expiresAt) ? (expiresAt - at) / 1000 : 0));
  return {
    async check(k) {
      const entry = counts.get(key(k));
      if (!entry) return { blockedFor: 0, failures: false };
      const blockedFor = entry.failures < options.points ? 0 : secondsLeft(entry.expiresAt, now());
      return { blockedFor, failures: entry.failures > 0 };
    },
    async fail(k) {
      const at = now();
      let entry = counts.get(key(k));
      if (entry) entry.failures += 1;
      else counts.set(key(k), (entry = { failures: 1, expiresAt: expiry(at, options.durationSeconds) }));
      if (entry.failures > options.points) {
        // Block only on the first failure past the allowance; later ones do not extend it.
        if (options.blockSeconds > 0 && entry.failures === options.points + 1) entry.expiresAt = expiry(at, options.blockSeconds);
        return { failures: entry.failures, blockedFor: secondsLeft(entry.expiresAt, at), overLimit: true };
      }
      return { failures: entry.failures, blockedFor: entry.failures < options.points ? 0 : Math.ceil(options.blockSeconds), overLimit: false };
    },
    async reset(k) {
      counts.delete(key(k));
    },
  };
}

interface ModelEntry {
  payload: AdapterPayload;
  expiresAt: number;
  consumed?: number;
}

/** oidc-provider's ephemeral models, with an index of entries per grant for revocation. */
function memoryModels(clock: Clock) {
  const entries = expiringMap<ModelEntry>(() => clock().getTime());
  const grants = new Map<string, Set<string>>();

  function adapterFor(model: string): Adapter {
    const key = (id: string) => `${model}:${id}`;
    return {
      async upsert(id, payload, expiresIn) {
        const k = key(id);
        entries.set(k, {
          payload: storablePayload(payload),
          expiresAt: expiresIn ? clock().getTime() + expiresIn * 1000 : Number.POSITIVE_INFINITY,
        });
        if (payload.grantId) {
          const set = grants.get(payload.grantId) ?? new Set();
          set.add(k);
          grants.set(payload.grantId, set);
        }
      },
      async find(id) {
        const entry = entries.get(key(id));
        if (!entry) return undefined;
        return { ...entry.payload, jti: id, ...(entry.consumed ? { consumed: entry.consumed } : {}) };
      },
      async findByUid() {
        return undefined;
      },
      async findByUserCode() {
        return undefined;
      },
      async consume(id) {
        // Synchronous check-and-set: the event loop makes it atomic.
        const entry = entries.get(key(id));
        if (!entry || entry.consumed) throw new errors.InvalidGrant(`${model} already consumed`);
        entry.consumed = epochSeconds(clock);
      },
      async destroy(id) {
        entries.delete(key(id));
      },
      async revokeByGrantId(grantId) {
        for (const k of grants.get(grantId) ?? []) entries.delete(k);
        grants.delete(grantId);
      },
    };
  }

  /** Drops expired entries and emptied grant indexes; returns how many entries went. */
  function sweep(): number {
    const removed = entries.sweep();
    for (const [grantId, set] of grants) {
      for (const k of set) if (!entries.get(k)) set.delete(k);
      if (set.size === 0) grants.delete(grantId);
    }
    return removed;
  }

  return { adapterFor, sweep };
}
