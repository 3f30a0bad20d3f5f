import type { Redis } from 'ioredis';
import { errors } from 'oidc-provider';
import { sha256 } from '../common/hash.js';
import { type Adapter, type AdapterPayload, storablePayload } from './adapter.js';

// HSETNX makes consume atomic across processes: exactly one caller sets the field.
const CONSUME = `if redis.call('exists', KEYS[1]) == 0 then return -1 end
return redis.call('hsetnx', KEYS[1], 'consumed', ARGV[1])`;

/** Ephemeral oidc-provider models in Redis: one hash per entity, a set per grant. */
export function createRedisAdapter(redis: Redis, prefix: string, model: string): Adapter {
  const key = (id: string) => `${prefix}oidc:${model}:${sha256(id)}`;
  const grantKey = (grantId: string) => `${prefix}oidc:grant:${grantId}`;

  return {
    async upsert(id, payload, expiresIn) {
      const k = key(id);
      const multi = redis.multi().del(k).hset(k, 'payload', JSON.stringify(storablePayload(payload)));
      if (expiresIn) multi.expire(k, expiresIn);
      if (payload.grantId) {
        const g = grantKey(payload.grantId);
        multi.sadd(g, k);
        if (expiresIn) multi.expire(g, expiresIn, 'NX').expire(g, expiresIn, 'GT');
      }
      await multi.exec();
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
      const won = await redis.eval(CONSUME, 1, key(id), Math.floor(Date.now() / 1000));
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
