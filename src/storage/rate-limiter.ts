import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Ephemeral } from './ephemeral.js';

/**
 * Counters of failures (never of successes, so busy honest traffic is not throttled),
 * in the ephemeral store so every Latchkey process sees the same counts.
 */
export interface FailureLimiter {
  /** Seconds until `key` may try again (0: it may try now), and whether it has failures on record. */
  check(key: string): Promise<{ blockedFor: number; failures: boolean }>;
  /** Counts one failure: how many are on record now, and seconds blocked if this used up the allowance. */
  fail(key: string): Promise<{ failures: number; blockedFor: number }>;
  reset(key: string): Promise<void>;
}

export function createFailureLimiter(
  ephemeral: Ephemeral,
  options: { name: string; points: number; durationSeconds: number; blockSeconds: number },
): FailureLimiter {
  const opts = {
    keyPrefix: `${ephemeral.prefix}rl:${options.name}`,
    points: options.points,
    duration: options.durationSeconds,
    blockDuration: options.blockSeconds,
  };
  const limiter: RateLimiterAbstract =
    ephemeral.kind === 'redis' ? new RateLimiterRedis({ ...opts, storeClient: ephemeral.redis }) : new RateLimiterMemory(opts);

  return {
    async check(key) {
      const res = await limiter.get(key);
      if (!res) return { blockedFor: 0, failures: false };
      const blockedFor = res.remainingPoints > 0 ? 0 : Math.max(1, Math.ceil(res.msBeforeNext / 1000));
      return { blockedFor, failures: res.consumedPoints > 0 };
    },
    async fail(key) {
      try {
        const res = await limiter.consume(key);
        return { failures: res.consumedPoints, blockedFor: res.remainingPoints > 0 ? 0 : Math.ceil(options.blockSeconds) };
      } catch (rejected) {
        // rate-limiter-flexible rejects with a RateLimiterRes when the allowance is gone,
        // and with an Error when the store fails: that must surface (fail closed).
        if (rejected instanceof RateLimiterRes) {
          return { failures: rejected.consumedPoints, blockedFor: Math.max(1, Math.ceil(rejected.msBeforeNext / 1000)) };
        }
        throw rejected;
      }
    },
    async reset(key) {
      await limiter.delete(key);
    },
  };
}
