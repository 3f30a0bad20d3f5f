import type { Ephemeral } from './ephemeral.js';

/**
 * Short-lived values (WebAuthn challenges, step-up marks) in the ephemeral store.
 * `take` is atomic get-and-delete, which is what makes a challenge single use even
 * with several Latchkey processes racing on one Redis.
 */
export interface EphemeralKv {
  put(key: string, value: string, ttlSeconds: number): Promise<void>;
  take(key: string): Promise<string | undefined>;
}

const memoryMaps = new WeakMap<Ephemeral, Map<string, { value: string; expiresAt: number }>>();

export function createEphemeralKv(ephemeral: Ephemeral, namespace: string): EphemeralKv {
  const prefix = `${ephemeral.prefix}${namespace}:`;
  if (ephemeral.kind === 'redis') {
    const { redis } = ephemeral;
    return {
      async put(key, value, ttlSeconds) {
        await redis.set(prefix + key, value, 'EX', ttlSeconds);
      },
      async take(key) {
        return (await redis.getdel(prefix + key)) ?? undefined;
      },
    };
  }
  let map = memoryMaps.get(ephemeral);
  if (!map) {
    map = new Map();
    memoryMaps.set(ephemeral, map);
  }
  const entries = map;
  return {
    async put(key, value, ttlSeconds) {
      const now = Date.now();
      // Opportunistic cleanup keeps the map bounded without a timer.
      if (entries.size > 1000) for (const [k, e] of entries) if (e.expiresAt <= now) entries.delete(k);
      entries.set(prefix + key, { value, expiresAt: now + ttlSeconds * 1000 });
    },
    async take(key) {
      const entry = entries.get(prefix + key);
      entries.delete(prefix + key);
      return entry && entry.expiresAt > Date.now() ? entry.value : undefined;
    },
  };
}
