import type { Clock } from '../common/clock.js';
import type { Db } from '../storage/db.js';
import type { EphemeralStore } from '../storage/ephemeral-store.js';
import { type Adapter, DURABLE_MODELS } from './adapter.js';
import { createSqlAdapter, sweepExpired } from './sql-adapter.js';
import { createRotationCommits, type RotationCommits } from './rotation-commit.js';
import { createReadAhead, type ReadAhead, type ReadAlong } from './read-ahead.js';

export interface Adapters {
  /** The `adapter` factory oidc-provider calls once per model name. */
  factory(model: string): Adapter;
  /** Removes expired entries from both stores; returns how many went. */
  sweep(): Promise<number>;
  /** Refresh-token rotations, each written in one commit (rotation-commit.ts). */
  rotations: RotationCommits;
  /** Rows read ahead in a request: a refresh token's grant and account (read-ahead.ts). */
  readAhead: ReadAhead;
}

/**
 * Routes each oidc-provider model to its store (DESIGN.md "Storage"): durable models
 * to SQL, the rest to the ephemeral store. `overrides` supplies models kept elsewhere
 * (clients live in their own table, owned by the clients module).
 */
export function createAdapters(
  db: Db,
  ephemeral: EphemeralStore,
  overrides: Record<string, Adapter> = {},
  {
    currentRequest = () => undefined,
    readAlong = [],
    refreshReuseGraceSeconds = 0,
    ...deps
  }: {
    clock?: Clock;
    /** The request being handled (provider/oidc-internals engineRequest): rotations and read-ahead are per request. */
    currentRequest?: () => object | undefined;
    /** Rows of other tables a refresh token's lookup reads along (read-ahead.ts). */
    readAlong?: readonly ReadAlong[];
    /** LATCHKEY_REFRESH_REUSE_GRACE_SECONDS (sql-adapter.ts `reuseGraceSeconds`). */
    refreshReuseGraceSeconds?: number;
  } = {},
): Adapters {
  const cache = new Map<string, Adapter>();
  const rotations = createRotationCommits(db, currentRequest);
  const readAhead = createReadAhead(currentRequest);

  function build(model: string): Adapter {
    const override = overrides[model];
    if (override) return override;
    // Refresh tokens are looked up for every access token presented; see createMissCache.
    if (DURABLE_MODELS.has(model)) {
      // The refresh grant reads the token, then its grant and account: one statement (read-ahead.ts).
      return createSqlAdapter(db, model, model === 'RefreshToken' ? { missCacheSeconds: 60, rotation: rotations, readAhead, grantAhead: true, readAlong, reuseGraceSeconds: refreshReuseGraceSeconds, ...deps } : { readAhead, ...deps });
    }
    return ephemeral.adapterFor(model);
  }

  return {
    rotations,
    readAhead,
    factory(model) {
      let adapter = cache.get(model);
      if (!adapter) {
        adapter = build(model);
        cache.set(model, adapter);
      }
      return adapter;
    },
    async sweep() {
      // The ephemeral store's sweep also covers its kv values and failure counts.
      return (await ephemeral.sweep()) + (await sweepExpired(db));
    },
  };
}
