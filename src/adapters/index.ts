import type { Db } from '../storage/db.js';
import type { Ephemeral } from '../storage/ephemeral.js';
import { type Adapter, DURABLE_MODELS } from './adapter.js';
import { createMemoryStore } from './memory-adapter.js';
import { createRedisAdapter } from './redis-adapter.js';
import { createSqlAdapter, sweepExpired } from './sql-adapter.js';

export interface Adapters {
  /** The `adapter` factory oidc-provider calls once per model name. */
  factory(model: string): Adapter;
  /** Removes expired entries from both stores; returns how many went. */
  sweep(): Promise<number>;
}

/**
 * Routes each oidc-provider model to its store (DESIGN.md "Storage"): durable models
 * to SQL, the rest to the ephemeral store. `overrides` supplies models kept elsewhere
 * (clients live in their own table, owned by the clients module).
 */
export function createAdapters(db: Db, ephemeral: Ephemeral, overrides: Record<string, Adapter> = {}): Adapters {
  const memory = ephemeral.kind === 'memory' ? createMemoryStore() : undefined;
  const cache = new Map<string, Adapter>();

  function build(model: string): Adapter {
    const override = overrides[model];
    if (override) return override;
    // Refresh tokens are looked up for every access token presented; see createMissCache.
    if (DURABLE_MODELS.has(model)) return createSqlAdapter(db, model, model === 'RefreshToken' ? { missCacheSeconds: 60 } : {});
    if (ephemeral.kind === 'redis') return createRedisAdapter(ephemeral.redis, ephemeral.prefix, model);
    return memory!.adapter(model);
  }

  return {
    factory(model) {
      let adapter = cache.get(model);
      if (!adapter) {
        adapter = build(model);
        cache.set(model, adapter);
      }
      return adapter;
    },
    async sweep() {
      // Redis expires its own keys; memory and SQL need a sweep.
      return (memory?.sweep() ?? 0) + (await sweepExpired(db));
    },
  };
}
