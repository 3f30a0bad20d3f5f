import { Redis } from 'ioredis';

/**
 * The ephemeral store: Redis in production, process memory when embedded. Holds
 * interactions, codes, opaque access tokens, replay detection and rate-limit counters;
 * losing it at worst restarts a sign-in in progress.
 */
export type Ephemeral =
  | { readonly kind: 'redis'; readonly redis: Redis; readonly prefix: string; close(): Promise<void> }
  | { readonly kind: 'memory'; readonly prefix: string; close(): Promise<void> };

export async function createRedisEphemeral(url: string, prefix: string): Promise<Ephemeral> {
  const redis = new Redis(url, {
    lazyConnect: true,
    // Fail requests fast while Redis is down instead of queueing them: Latchkey must
    // fail closed with an error page and an unready /readyz, not hang.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
  });
  redis.on('error', () => {});
  await redis.connect();
  return {
    kind: 'redis',
    redis,
    prefix,
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export function createMemoryEphemeral(): Ephemeral {
  return { kind: 'memory', prefix: '', close: async () => {} };
}
