import type { Redis } from 'ioredis';
import { errors } from 'oidc-provider';
import { sha256 } from '../common/hash.js';
import { type Adapter, type AdapterPayload, storablePayload } from './adapter.js';

// HSETNX makes consume atomic across processes: exactly one caller sets the field.
const CONSUME = `if redis.call('exists', KEYS[1]) == 0 then return -1 end
return redis.call('hsetnx', KEYS[1], 'consumed', ARGV[1])`;

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

interface ScriptedRedis {
  latchkeyUpsert(entity: string, grant: string, payload: string, ttl: number): Promise<number>;
  latchkeyConsume(entity: string, now: number): Promise<number>;
}

const scripted = new WeakSet<Redis>();

/** The scripts as commands, so ioredis sends EVALSHA rather than the script each time. */
function withScripts(redis: Redis): ScriptedRedis {
  if (!scripted.has(redis)) {
    redis.defineCommand('latchkeyUpsert', { numberOfKeys: 2, lua: UPSERT });
    redis.defineCommand('latchkeyConsume', { numberOfKeys: 1, lua: CONSUME });
    scripted.add(redis);
  }
  return redis as unknown as ScriptedRedis; // defineCommand adds the methods at run time
}

/** Ephemeral oidc-provider models in Redis: one hash per entity, a set per grant. */
export function createRedisAdapter(redis: Redis, prefix: string, model: string): Adapter {
  const scripts = withScripts(redis);
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
      const payload = JSON.parse(data.payload) as AdapterPayload;
      return { ...payload, jti: id, ...(data.consumed ? { consumed: Number(data.consumed) } : {}) };
    },

    async findByUid() {
      return undefined;
    },

    async findByUserCode() {
      return undefined;
    },

    async consume(id) {
      const won = await scripts.latchkeyConsume(key(id), Math.floor(Date.now() / 1000));
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
