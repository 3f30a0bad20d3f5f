import type { Db } from '../storage/db.js';
import type { EphemeralStore } from '../storage/ephemeral-store.js';
import type { Stores } from '../storage/open.js';
import { failClosed } from '../storage/store-outage.js';
import { instrumentDb, instrumentEphemeral } from './instrument-stores.js';
import { createMetrics, type Metrics } from './metrics.js';

/**
 * This process's metrics, and the stores as the rest of Latchkey uses them. Store calls,
 * store failures and rate-limit refusals are counted around the stores, not in each
 * caller; a store that goes away under a running process fails requests closed with 503
 * (storage/store-outage.ts). The embedded memory store cannot go away.
 */
export function observeStores(stores: Stores): { metrics: Metrics; db: Db; ephemeral: EphemeralStore } {
  const metrics = createMetrics({
    outboxDepth: async () => (await stores.db.query<{ n: number }>("SELECT count(*)::int AS n FROM mail_outbox WHERE status = 'queued'")).rows[0]?.n ?? 0,
    failureWatch: stores.ephemeral.failureWatch?.bind(stores.ephemeral),
  });
  return {
    metrics,
    db: instrumentDb(failClosed('database', stores.db), metrics),
    ephemeral: instrumentEphemeral(stores.ephemeral.name === 'redis' ? failClosed('redis', stores.ephemeral) : stores.ephemeral, metrics),
  };
}
