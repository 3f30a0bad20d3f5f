import { errors } from 'oidc-provider';
import { type Adapter, type AdapterPayload, storablePayload } from './adapter.js';

interface Entry {
  payload: AdapterPayload;
  expiresAt: number;
  consumed?: number;
}

/**
 * Ephemeral oidc-provider models in process memory, for the embedded single-process
 * mode. Ids are not hashed here: the map never leaves the process.
 */
export function createMemoryStore() {
  const entries = new Map<string, Entry>();
  const grants = new Map<string, Set<string>>();

  function live(k: string): Entry | undefined {
    const entry = entries.get(k);
    if (entry && entry.expiresAt <= Date.now()) {
      entries.delete(k);
      return undefined;
    }
    return entry;
  }

  function adapter(model: string): Adapter {
    const key = (id: string) => `${model}:${id}`;
    return {
      async upsert(id, payload, expiresIn) {
        const k = key(id);
        entries.set(k, {
          payload: storablePayload(payload),
          expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY,
        });
        if (payload.grantId) {
          const set = grants.get(payload.grantId) ?? new Set();
          set.add(k);
          grants.set(payload.grantId, set);
        }
      },
      async find(id) {
        const entry = live(key(id));
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
        const entry = live(key(id));
        if (!entry || entry.consumed) throw new errors.InvalidGrant(`${model} already consumed`);
        entry.consumed = Math.floor(Date.now() / 1000);
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

  /** Drops expired entries and empty grant indexes; returns how many entries went. */
  function sweep(): number {
    let removed = 0;
    const now = Date.now();
    for (const [k, entry] of entries) {
      if (entry.expiresAt <= now) {
        entries.delete(k);
        removed += 1;
      }
    }
    for (const [grantId, set] of grants) {
      for (const k of set) if (!entries.has(k)) set.delete(k);
      if (set.size === 0) grants.delete(grantId);
    }
    return removed;
  }

  return { adapter, sweep, size: () => entries.size };
}

export type MemoryStore = ReturnType<typeof createMemoryStore>;
