import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { connectRedis, createRedisStore } from '../../src/storage/redis.js';
import type { EphemeralStore, FailureLimiter } from '../../src/storage/ephemeral-store.js';
import { waitFor } from '../helpers/own-stores.js';

// Failure budgets shared by two Latchkey processes (two stores on their own connections,
// one prefix): a check of a key with no failures on record needs no Redis read, yet a
// failure recorded by either process blocks the key on both, also when it was recorded
// while the other's subscription was down (storage/failure-watch.ts).
const REDIS_URL = process.env.TEST_REDIS_URL;
if (!REDIS_URL && process.env.CI === 'true') throw new Error('CI=true but TEST_REDIS_URL is not set');

describe('failure budgets across processes', { skip: !REDIS_URL && 'TEST_REDIS_URL is not set' }, () => {
  const prefix = `latchkey-test:${randomBytes(6).toString('hex')}:`;
  const name = `watch-${randomBytes(4).toString('hex')}`;
  let admin: Redis;
  let a: EphemeralStore;
  let b: EphemeralStore;
  let onA: FailureLimiter;
  let onB: FailureLimiter;
  let budgetReadsOnB = 0;

  before(async () => {
    admin = await connectRedis(REDIS_URL!);
    const redisA = await connectRedis(REDIS_URL!);
    const redisB = await connectRedis(REDIS_URL!);
    // The subscription B opens inherits this name, so the test can cut exactly it off.
    await redisB.client('SETNAME', name);
    (redisB.options as { connectionName?: string }).connectionName = name;
    countBudgetReads(redisB, () => (budgetReadsOnB += 1));
    a = createRedisStore(redisA, { prefix });
    b = createRedisStore(redisB, { prefix });
    const options = { name: 'client-auth', points: 2, durationSeconds: 60, blockSeconds: 60 };
    onA = a.failureLimiter(options);
    onB = b.failureLimiter(options);
  });

  after(async () => {
    await a?.close();
    await b?.close();
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
    await admin?.quit();
  });

  /** Calls `counted` for every budget read (the one Lua command) a client sends. */
  function countBudgetReads(redis: Redis, counted: () => void): void {
    const send = redis.sendCommand.bind(redis);
    redis.sendCommand = (command, ...rest) => {
      if (command.name === 'evalsha' || command.name === 'eval') counted();
      return send(command, ...rest);
    };
  }

  /** Whether a check of `key` on B reads Redis. */
  async function readsRedis(key: string): Promise<boolean> {
    const before = budgetReadsOnB;
    await onB.check(key);
    return budgetReadsOnB > before;
  }

  test('a clean key is checked without a Redis read once the watch is up; failures on A block the key on B', async () => {
    await waitFor('the watch on B to be up', async () => !(await readsRedis('warm-up')));
    assert.deepEqual(b.failureWatch!(), { skipping: true, keys: 0, broken: false }, 'what /metrics reports');
    assert.deepEqual(await onB.check('carol'), { blockedFor: 0, failures: false });
    assert.equal(await readsRedis('carol'), false, 'nothing on record anywhere: no round trip');

    await onA.fail('alice');
    await onA.fail('alice');
    await waitFor('B to see the failures recorded on A', async () => (await onB.check('alice')).blockedFor > 0, 5000);
    assert.equal(await readsRedis('alice'), true, 'a key with failures is read in Redis every time');
    assert.equal(b.failureWatch!().keys, 1);
    assert.ok((await onB.check('alice')).blockedFor > 0);

    await onA.reset('alice');
    assert.deepEqual(await onB.check('alice'), { blockedFor: 0, failures: false }, 'a reset is seen at once: the key was still read');
    assert.equal(await readsRedis('alice'), false, 'gone from Redis: no longer read');
  });

  test('failures recorded while B\'s subscription is down still block the key on B', async () => {
    await waitFor('the watch on B to be up', async () => !(await readsRedis('warm-up')));
    const list = await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub');
    const ids = String(list)
      .split('\n')
      .filter((line) => line.includes(` name=${name} `))
      .map((line) => /\bid=(\d+)/.exec(line)?.[1]);
    assert.equal(ids.length, 1, 'B has one subscription');
    await admin.call('CLIENT', 'KILL', 'ID', ids[0]!);
    // Recorded on A while B hears nothing (B reconnects on its own timer, 50 ms at the soonest).
    await onA.fail('bob');
    await onA.fail('bob');
    // B has not looked at bob since: only what it reads when the subscription is back can tell it.
    await waitFor('the watch on B to be up again', async () => !(await readsRedis('warm-up')));
    assert.ok((await onB.check('bob')).blockedFor > 0, 'refused on B: the keys on record were read again');
    assert.equal(await readsRedis('bob'), true);
  });

  test('a Redis user without channel rights: failures count, are never an error, and every check reads Redis', async () => {
    const user = `latchkey-test-${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', 'resetchannels', '+@all');
    const url = new URL(REDIS_URL!);
    url.username = user;
    url.password = password;
    const redisC = await connectRedis(url.href);
    let reads = 0;
    countBudgetReads(redisC, () => (reads += 1));
    const c = createRedisStore(redisC, { prefix });
    try {
      const onC = c.failureLimiter({ name: 'client-auth', points: 2, durationSeconds: 60, blockSeconds: 60 });
      assert.deepEqual(await onC.fail('dave'), { failures: 1, blockedFor: 0, overLimit: false }, 'counted, though it cannot be announced');
      assert.equal((await onC.fail('dave')).blockedFor, 60);
      assert.ok((await onC.check('dave')).blockedFor > 0);
      assert.deepEqual([c.failureWatch!().skipping, c.failureWatch!().broken], [false, true], 'what /metrics reports');
      for (let i = 0; i < 3; i++) {
        const before = reads;
        assert.deepEqual(await onC.check('erin'), { blockedFor: 0, failures: false });
        assert.equal(reads, before + 1, 'without the channel nothing is known in advance: read every time');
      }
    } finally {
      await c.close();
      await admin.call('ACL', 'DELUSER', user);
    }
  });
});
