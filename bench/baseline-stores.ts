// A second baseline (BENCH_BASELINE_STORES=postgres-redis): the same plain oidc-provider,
// its models on the stores Latchkey runs on, split as Latchkey splits them (DESIGN.md
// "Storage": sessions, grants and refresh tokens in Postgres, the rest in Redis), through
// the adapter an operator building on the engine would write first: one round trip per
// adapter call (a save is one MULTI), nothing batched across calls, read ahead, deferred
// or cached. Latchkey's ratio to this one is what its own layers (and its engine
// patches) cost or save; this one against the in-memory baseline
// (BENCH_BASELINE_STORES=compare) is what real stores cost the engine itself.
import pg from 'pg';
import { Redis } from 'ioredis';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { DURABLE_MODELS } from '../src/adapters/adapter.js';

const SCHEMA = `CREATE TABLE IF NOT EXISTS baseline_models (
  model text NOT NULL, id text NOT NULL, payload jsonb NOT NULL, grant_id text, uid text,
  consumed_at timestamptz, expires_at timestamptz, PRIMARY KEY (model, id));
CREATE INDEX IF NOT EXISTS baseline_models_grant ON baseline_models (grant_id);
CREATE INDEX IF NOT EXISTS baseline_models_uid ON baseline_models (model, uid)`;

// Kept as a hash with its own `consumed` field, so a consume is one command: every model
// the engine consumes (BaseModel#consume callers in oidc-provider 9).
const CONSUMABLE = new Set(['AuthorizationCode', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PushedAuthorizationRequest', 'PreAuthorizedCode']);

const expiry = (expiresIn: number | undefined) => (expiresIn ? new Date(Date.now() + expiresIn * 1000) : null);

function postgresAdapter(pool: pg.Pool, model: string): Adapter {
  const live = '(expires_at IS NULL OR expires_at > now())';
  const revived = (row: { payload: AdapterPayload; consumed_at: Date | null } | undefined) =>
    row && { ...row.payload, ...(row.consumed_at ? { consumed: Math.floor(row.consumed_at.getTime() / 1000) } : {}) };
  return {
    async upsert(id, payload, expiresIn) {
      await pool.query(
        `INSERT INTO baseline_models (model, id, payload, grant_id, uid, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id, uid = EXCLUDED.uid, expires_at = EXCLUDED.expires_at`,
        [model, id, JSON.stringify(payload), payload.grantId ?? null, payload.uid ?? null, expiry(expiresIn)],
      );
    },
    async find(id) {
      const { rows } = await pool.query(`SELECT payload, consumed_at FROM baseline_models WHERE model = $1 AND id = $2 AND ${live}`, [model, id]);
      return revived(rows[0]);
    },
    async findByUid(uid) {
      const { rows } = await pool.query(`SELECT payload, consumed_at FROM baseline_models WHERE model = $1 AND uid = $2 AND ${live}`, [model, uid]);
      return revived(rows[0]);
    },
    async findByUserCode() {
      return undefined;
    },
    async consume(id) {
      await pool.query('UPDATE baseline_models SET consumed_at = now() WHERE model = $1 AND id = $2', [model, id]);
    },
    async destroy(id) {
      await pool.query('DELETE FROM baseline_models WHERE model = $1 AND id = $2', [model, id]);
    },
    async revokeByGrantId(grantId) {
      await pool.query('DELETE FROM baseline_models WHERE model = $1 AND grant_id = $2', [model, grantId]);
    },
  };
}

function redisAdapter(redis: Redis, model: string): Adapter {
  const key = (id: string) => `${model}:${id}`;
  const grantKey = (grantId: string) => `grant:${grantId}`;
  return {
    async upsert(id, payload, expiresIn) {
      const multi = redis.multi();
      if (CONSUMABLE.has(model)) multi.hset(key(id), 'payload', JSON.stringify(payload));
      else multi.set(key(id), JSON.stringify(payload));
      if (expiresIn) multi.expire(key(id), expiresIn);
      if (payload.grantId) {
        multi.rpush(grantKey(payload.grantId), key(id));
        // The grant's list lives as long as its longest-lived entry: set when new, only ever extended (Redis 7).
        if (expiresIn) multi.expire(grantKey(payload.grantId), expiresIn, 'NX').expire(grantKey(payload.grantId), expiresIn, 'GT');
      }
      await multi.exec();
    },
    async find(id) {
      if (!CONSUMABLE.has(model)) {
        const json = await redis.get(key(id));
        return json ? (JSON.parse(json) as AdapterPayload) : undefined;
      }
      const { payload, consumed } = await redis.hgetall(key(id));
      if (!payload) return undefined;
      return { ...(JSON.parse(payload) as AdapterPayload), ...(consumed ? { consumed: Number(consumed) } : {}) };
    },
    async findByUid() {
      return undefined;
    },
    async findByUserCode() {
      return undefined;
    },
    async consume(id) {
      await redis.hset(key(id), 'consumed', Math.floor(Date.now() / 1000));
    },
    async destroy(id) {
      await redis.del(key(id));
    },
    async revokeByGrantId(grantId) {
      const keys = await redis.lrange(grantKey(grantId), 0, -1);
      await redis.del(...keys, grantKey(grantId));
    },
  };
}

/** The engine's `adapter` option on Postgres and Redis; `databaseUrl` gets its own table. */
export async function storeAdapters(databaseUrl: string, redisUrl: string, redisPrefix: string): Promise<(model: string) => Adapter> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  await pool.query(SCHEMA);
  const redis = new Redis(redisUrl, { keyPrefix: redisPrefix });
  return (model) => (DURABLE_MODELS.has(model) ? postgresAdapter(pool, model) : redisAdapter(redis, model));
}
