import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryStore } from '../../src/storage/memory.js';

/** The embedded ephemeral store on a test clock: its state expires by that clock, and one sweep covers all of it. */
test('memory store: models, kv values and failure counts expire by its clock, and its sweep removes all three', async () => {
  let now = Date.parse('2030-01-01T00:00:00Z');
  const store = createMemoryStore({ clock: () => new Date(now) });
  const codes = store.adapterFor('AuthorizationCode');
  const kv = store.kv('webauthn');
  const limiter = store.failureLimiter({ name: 'login-email', points: 5, durationSeconds: 600, blockSeconds: 600 });

  await codes.upsert('code-1', { jti: 'code-1', grantId: 'g-1' }, 60);
  await codes.upsert('code-forever', { jti: 'code-forever' }, undefined);
  await kv.put('challenge-1', 'c1', 60);
  await kv.put('challenge-2', 'c2', 600);
  await limiter.fail('alice');
  assert.equal(await store.sweep(), 0, 'nothing has expired yet');

  now += 59_000;
  assert.equal((await codes.find('code-1'))?.jti, 'code-1');
  await codes.consume('code-1');
  assert.equal((await codes.find('code-1'))?.consumed, Math.floor(now / 1000), 'consumed is stamped by the clock');

  now += 2_000;
  assert.equal(await store.sweep(), 2, 'the expired model and kv value');
  assert.equal(await codes.find('code-1'), undefined);
  assert.equal(await kv.take('challenge-1'), undefined);
  assert.deepEqual(await limiter.check('alice'), { blockedFor: 0, failures: true });

  now += 600_000;
  assert.equal(await store.sweep(), 2, 'the failure count and the second kv value');
  assert.deepEqual(await limiter.check('alice'), { blockedFor: 0, failures: false });
  assert.equal(await kv.take('challenge-2'), undefined);
  assert.equal((await codes.find('code-forever'))?.jti, 'code-forever', 'no expiry: kept');

  await codes.upsert('code-2', { jti: 'code-2' }, 1);
  await kv.put('challenge-3', 'c3', 1);
  now += 1_000;
  assert.equal(await codes.find('code-2'), undefined, 'expired by the clock, before any sweep');
  assert.equal(await kv.take('challenge-3'), undefined, 'expired by the clock, before any sweep');
});

test('memory store: a lockout lasts blockSeconds by the clock', async () => {
  let now = 0;
  const store = createMemoryStore({ clock: () => new Date(now) });
  const limiter = store.failureLimiter({ name: 'login-email', points: 2, durationSeconds: 60, blockSeconds: 300 });
  await limiter.fail('bob');
  assert.deepEqual(await limiter.fail('bob'), { failures: 2, blockedFor: 300, overLimit: false });
  now += 10_000;
  assert.deepEqual(await limiter.check('bob'), { blockedFor: 50, failures: true }, 'the rest of the window');
  assert.deepEqual(await limiter.fail('bob'), { failures: 3, blockedFor: 300, overLimit: true }, 'failing again starts the block');
  now += 100_000;
  assert.deepEqual(await limiter.fail('bob'), { failures: 4, blockedFor: 200, overLimit: true }, 'later failures do not extend it');
  now += 200_000;
  assert.deepEqual(await limiter.check('bob'), { blockedFor: 0, failures: false });
});

test('two memory stores share nothing', async () => {
  const [one, two] = [createMemoryStore(), createMemoryStore()];
  await one.kv('n').put('k', 'v', 60);
  await one.adapterFor('Interaction').upsert('i', { jti: 'i' }, 60);
  assert.equal(await two.kv('n').take('k'), undefined);
  assert.equal(await two.adapterFor('Interaction').find('i'), undefined);
  assert.equal(await one.kv('n').take('k'), 'v');
});
