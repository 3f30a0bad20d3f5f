import { Redis, type ClientContext, type Result } from 'ioredis';
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { type Clock, epochSeconds, systemClock } from '../common/clock.js';
import { sha256 } from '../common/hash.js';
import type { EphemeralStore, FailureLimiter, FailureLimiterOptions, RateLimiter, RateLimiterOptions } from './ephemeral-store.js';
import { revivedPayload, storablePayload } from './model-payload.js';
import { createFailureWatch, type FailureWatch } from './failure-watch.js';

export { connectRedis } from './redis-connection.js';

/**
 * The ephemeral store in Redis, shared by every Latchkey process. Every key starts with
 * `prefix`; Redis expires entries itself, so the sweep has nothing to do. The store
 * owns `redis` from here on: `close()` quits it.
 */
export function createRedisStore(redis: Redis, options: { prefix: string; clock?: Clock }): EphemeralStore {
  const { prefix } = options;
  const clock = options.clock ?? systemClock;
  const scripts = withScripts(redis);
  // The longest failure-budget window of this store's limiters (failure-watch.ts).
  let longestWindow = 0;
  const watch = createFailureWatch(redis, { prefix, windowSeconds: () => longestWindow });
  return {
    name: 'redis',
    adapterFor: (model) => redisModel(redis, scripts, prefix, model, clock),
    kv(namespace) {
      const keyPrefix = `${prefix}${namespace}:`;
      return {
        async put(key, value, ttlSeconds) {
          await redis.set(keyPrefix + key, value, 'EX', ttlSeconds);
        },
        async take(key) {
          return (await redis.getdel(keyPrefix + key)) ?? undefined;
        },
        async get(key) {
          return (await redis.get(keyPrefix + key)) ?? undefined;
        },
        async claim(key, ttlSeconds) {
          return (await redis.set(keyPrefix + key, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
        },
      };
    },
    failureLimiter(limiterOptions) {
      longestWindow = Math.max(longestWindow, limiterOptions.durationSeconds, limiterOptions.blockSeconds);
      return redisLimiter(scripts, prefix, limiterOptions, watch);
    },
    rateLimiter: (limiterOptions) => redisRateLimiter(redis, prefix, limiterOptions),
    async ping() {
      await redis.ping();
    },
    async sweep() {
      return 0;
    },
    failureWatch: () => watch.state(),
    async close() {
      await watch.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

function redisLimiter(redis: Redis, prefix: string, options: FailureLimiterOptions, watch: FailureWatch): FailureLimiter {
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${prefix}rl:${options.name}`,
    points: options.points,
    duration: options.durationSeconds,
    blockDuration: options.blockSeconds,
  });
  return {
    // Read on every client authentication and every sign-in: in Redis only for keys that
    // may have failures on record (failure-watch.ts), and then with one command, where the
    // limiter's own get() sends MULTI, GET, PTTL and EXEC. Same key and format as the limiter.
    async check(key) {
      const fullKey = limiter.getKey(key);
      const watching = watch.mayHaveFailures(fullKey);
      if (!watching.ask) return { blockedFor: 0, failures: false };
      const found = await redis.latchkeyBudget(fullKey);
      watching.settle(found !== null);
      if (!found) return { blockedFor: 0, failures: false };
      const consumed = Number(found[0]);
      const blockedFor = consumed < options.points ? 0 : Math.max(1, Math.ceil(found[1] / 1000));
      return { blockedFor, failures: consumed > 0 };
    },
    async fail(key) {
      try {
        const res = await limiter.consume(key);
        await watch.failed(limiter.getKey(key));
        return { failures: res.consumedPoints, blockedFor: res.remainingPoints > 0 ? 0 : Math.ceil(options.blockSeconds), overLimit: false };
      } catch (rejected) {
        // rate-limiter-flexible rejects with a RateLimiterRes when the allowance is gone,
        // and with an Error when the store fails: that must surface (fail closed).
        if (rejected instanceof RateLimiterRes) {
          await watch.failed(limiter.getKey(key));
          return { failures: rejected.consumedPoints, blockedFor: Math.max(1, Math.ceil(rejected.msBeforeNext / 1000)), overLimit: true };
        }
        throw rejected;
      }
    },
    async reset(key) {
      await limiter.delete(key);
    },
  };
}

function redisRateLimiter(redis: Redis, prefix: string, options: RateLimiterOptions): RateLimiter {
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${prefix}rate:${options.name}`,
    points: options.points,
    duration: options.durationSeconds,
    // No insurance limiter and no in-memory fallback: an unreachable Redis refuses.
    rejectIfRedisNotReady: true,
  });
  return {
    async consume(key) {
      try {
        await limiter.consume(key);
        return { allowed: true };
      } catch (rejected) {
        // A RateLimiterRes is "over the limit"; anything else is the store failing (fail closed).
        if (rejected instanceof RateLimiterRes) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejected.msBeforeNext / 1000)) };
        throw rejected;
      }
    },
  };
}

// HSETNX makes consume atomic across processes: exactly one caller sets the field.
const CONSUME = `if redis.call('exists', KEYS[1]) == 0 then return -1 end
return redis.call('hsetnx', KEYS[1], 'consumed', ARGV[1])`;

// A failure budget as the rate limiter keeps it (a counter with an expiry), or nil when unused.
const BUDGET = `local consumed = redis.call('get', KEYS[1])
if not consumed then return nil end
return {consumed, redis.call('pttl', KEYS[1])}`;

// One command per write on the token endpoint's hot path: replace the entity, set its
// expiry, and add it to its grant's index (whose expiry only ever grows).
// KEYS: entity, grant index ('' when none); ARGV: payload, ttl seconds (0: none).
const UPSERT = `redis.call('del', KEYS[1])
redis.call('hset', KEYS[1], 'payload', ARGV[1])
local ttl = tonumber(ARGV[2])
if ttl > 0 then redis.call('expire', KEYS[1], ttl) end
if KEYS[2] ~= '' then
  redis.call('sadd', KEYS[2], KEYS[1])
  if ttl > 0 and redis.call('ttl', KEYS[2]) < ttl then redis.call('expire', KEYS[2], ttl) end
end
return 1`;

// ioredis's documented way to type commands made with defineCommand: declaration merging.
declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext = { type: 'default' }> {
    latchkeyUpsert(entity: string, grant: string, payload: string, ttl: number): Result<number, Context>;
    latchkeyConsume(entity: string, now: number): Result<number, Context>;
    latchkeyBudget(key: string): Result<[string, number] | null, Context>;
  }
}

/** The scripts as commands, so ioredis sends EVALSHA rather than the script each time. */
function withScripts(redis: Redis): Redis {
  redis.defineCommand('latchkeyUpsert', { numberOfKeys: 2, lua: UPSERT });
  redis.defineCommand('latchkeyConsume', { numberOfKeys: 1, lua: CONSUME });
  redis.defineCommand('latchkeyBudget', { numberOfKeys: 1, lua: BUDGET });
  return redis;
}

/** An ephemeral oidc-provider model in Redis: one hash per entity, a set per grant. */
function redisModel(redis: Redis, scripts: Redis, prefix: string, model: string, clock: Clock): Adapter {
  const key = (id: string) => `${prefix}oidc:${model}:${sha256(id)}`;
  const grantKey = (grantId: string) => `${prefix}oidc:grant:${grantId}`;

  return {
    async upsert(id, payload, expiresIn) {
      const grant = payload.grantId ? grantKey(payload.grantId) : '';
      await scripts.latchkeyUpsert(key(id), grant, JSON.stringify(storablePayload(payload)), expiresIn ?? 0);
    },

    async find(id) {
      const data = await redis.hgetall(key(id));
      if (!data.payload) return undefined;
      return revivedPayload(JSON.parse(data.payload) as AdapterPayload, id, data.consumed ? Number(data.consumed) : undefined);
    },

    async findByUid() {
      return undefined;
    },

    async findByUserCode() {
      return undefined;
    },

    async consume(id) {
      const won = await scripts.latchkeyConsume(key(id), epochSeconds(clock));
      if (won !== 1) throw new errors.InvalidGrant(`${model} already consumed`);
    },

    async destroy(id) {
      await redis.del(key(id));
    },

    async revokeByGrantId(grantId) {
      const g = grantKey(grantId);
      const members = await redis.smembers(g);
      await redis.del(g, ...members);
    },
  };
}
