import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { connectRedis } from '../../src/storage/redis.js';

// Latchkey's Redis client sends the commands of one turn of the event loop in one write
// (storage/redis-connection.ts), in order, and never holds one past that turn. (ioredis's
// own auto-pipelining would also pass the write count: what this client saves is the
// pipeline objects it builds, which bench/README.md measures.)
const REDIS_URL = process.env.TEST_REDIS_URL;
if (!REDIS_URL && process.env.CI === 'true') throw new Error('CI=true but TEST_REDIS_URL is not set');

// A held command would hang the suite rather than fail it: every test here is bounded.
describe('Redis commands of one turn leave together', { skip: !REDIS_URL && 'TEST_REDIS_URL is not set', timeout: 20_000 }, () => {
  const key = `latchkey-test:${randomBytes(6).toString('hex')}:counter`;
  let redis: Redis;
  let writes = 0;

  before(async () => {
    redis = await connectRedis(REDIS_URL!);
    // Every write the socket makes: one per chunk (_write) or one per batch of buffered chunks (_writev).
    const socket = redis.stream;
    const write = socket._write.bind(socket);
    const writev = socket._writev!.bind(socket);
    socket._write = (...args) => {
      writes += 1;
      return write(...args);
    };
    socket._writev = (...args) => {
      writes += 1;
      return writev(...args);
    };
  });

  after(async () => {
    await redis.del(key);
    await redis.quit();
  });

  test('a hundred commands issued at once go out in one write and are answered in order', async () => {
    writes = 0;
    const replies = await Promise.all(Array.from({ length: 100 }, () => redis.incr(key)));
    assert.deepEqual(replies, Array.from({ length: 100 }, (_, i) => i + 1));
    assert.equal(writes, 1);
    // And nothing stays corked once the turn is over.
    assert.equal(redis.stream.writableCorked, 0);
  });

  test('a transaction and scripts in the same turn keep their order', async () => {
    await redis.set(key, '0');
    const [before, tx, after] = await Promise.all([
      redis.incr(key),
      redis.multi().incr(key).incr(key).exec(),
      redis.eval('return redis.call("incr", KEYS[1])', 1, key),
    ]);
    assert.equal(before, 1);
    assert.deepEqual(tx, [[null, 2], [null, 3]]);
    assert.equal(after, 4);
  });

  test('a command issued in a later turn is sent in that turn, not held', async () => {
    await redis.set(key, '100');
    await new Promise((resolve) => setImmediate(resolve));
    writes = 0;
    // Issued from inside a check-phase callback: its write leaves in the next turn at the latest.
    const value = await new Promise<string | null>((resolve, reject) => setImmediate(() => redis.get(key).then(resolve, reject)));
    assert.equal(value, '100');
    assert.equal(writes, 1);
    // And each turn's commands are their own write.
    await redis.incr(key);
    await redis.incr(key);
    assert.equal(writes, 3);
  });

  test('a socket lost while commands wait corked: they are answered after the reconnection, and the new socket is not corked', async () => {
    await redis.set(key, '10');
    const lost = redis.stream;
    const answer = redis.incr(key);
    lost.destroy();
    assert.equal(await answer, 11);
    await redis.ping();
    assert.notEqual(redis.stream, lost);
    assert.equal(redis.stream.writableCorked, 0);
  });
});
