import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../src/common/errors.js';
import { failClosed, isDatabaseOutage, isRedisOutage, StoreUnavailableError } from '../../src/storage/store-outage.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

test('a database outage is the server gone, never a statement refused', () => {
  assert.equal(isDatabaseOutage(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')), true);
  assert.equal(isDatabaseOutage(new Error('Connection terminated unexpectedly')), true);
  assert.equal(isDatabaseOutage(new Error('Query read timeout')), true, 'a server that stopped answering (LATCHKEY_DB_QUERY_TIMEOUT_MS)');
  assert.equal(isDatabaseOutage(withCode('terminating connection due to unexpected postmaster exit', '57P01')), true);
  assert.equal(isDatabaseOutage(withCode('the database system is starting up', '57P03')), true);
  assert.equal(isDatabaseOutage(new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')])), true);
  assert.equal(isDatabaseOutage(withCode('duplicate key value violates unique constraint', '23505')), false);
  assert.equal(isDatabaseOutage(withCode('could not serialize access', '40001')), false);
  assert.equal(isDatabaseOutage(new TypeError('x is undefined')), false, 'a bug stays a 500');
  assert.equal(isDatabaseOutage(new AppError('account.locked', 'locked')), false);
});

test('a Redis outage is no connection, never an error Redis answered', () => {
  assert.equal(isRedisOutage(new Error("Stream isn't writeable and enableOfflineQueue options is false")), true);
  assert.equal(isRedisOutage(new Error('Connection is closed.')), true);
  assert.equal(isRedisOutage(Object.assign(new Error('Reached the max retries per request limit (which is 1).'), { name: 'MaxRetriesPerRequestError' })), true);
  assert.equal(isRedisOutage(withCode('read ECONNRESET', 'ECONNRESET')), true);
  assert.equal(isRedisOutage(Object.assign(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), { name: 'ReplyError' })), false);
});

test('failClosed turns an outage into 503 temporarily_unavailable, in objects it hands back too, and leaves other errors alone', async () => {
  const refused = withCode('connect ECONNREFUSED 127.0.0.1:6379', 'ECONNREFUSED');
  const store = failClosed('redis', {
    name: 'redis',
    kv: () => ({ get: async () => Promise.reject(refused) }),
    ping: async () => Promise.reject(new Error('Connection is closed.')),
    bug: async () => Promise.reject(new TypeError('bug')),
  });
  assert.equal(store.name, 'redis');
  const err = await store.ping().catch((e: unknown) => e);
  assert.ok(err instanceof StoreUnavailableError);
  assert.equal(err.status, 503);
  assert.equal(err.message, 'temporarily_unavailable');
  assert.equal(err.expose, true);
  await assert.rejects(store.kv().get(), (e: unknown) => e instanceof StoreUnavailableError && e.cause === refused);
  await assert.rejects(store.bug(), TypeError);
});
