import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMetrics } from '../../src/ops/metrics.js';
import { instrumentDb, instrumentEphemeral } from '../../src/ops/instrument-stores.js';
import { createMemoryStore } from '../../src/storage/memory.js';
import type { Db } from '../../src/storage/db.js';
import { createReadAhead } from '../../src/adapters/read-ahead.js';
import { createRotationCommits } from '../../src/adapters/rotation-commit.js';
import { createSqlAdapter } from '../../src/adapters/sql-adapter.js';

const counted = async (metrics: ReturnType<typeof createMetrics>, name: string, labels: string) =>
  Number(new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, 'm').exec((await metrics.scrape()).body)?.[1] ?? 0);

/** A database that answers every statement with no rows. */
function emptyDb(): Db {
  const db: Db = {
    kind: 'postgres',
    query: async () => ({ rows: [], rowCount: 0 }),
    exec: async () => {},
    transaction: (fn) => fn(db),
    close: async () => {},
  };
  return db;
}

function failingDb(code: string | undefined): Db {
  const fail = async (): Promise<never> => {
    throw Object.assign(new Error('boom'), code ? { code } : {});
  };
  return { kind: 'postgres', query: fail, exec: fail, transaction: fail, close: async () => {} };
}

test('database failures count when the store fails, not when it refuses a statement', async () => {
  const metrics = createMetrics();
  await assert.rejects(instrumentDb(failingDb(undefined), metrics).query('SELECT 1'), /boom/, 'the error still reaches the caller');
  await assert.rejects(instrumentDb(failingDb('08006'), metrics).transaction(async () => 1));
  await assert.rejects(instrumentDb(failingDb('23505'), metrics).query('INSERT …'), 'a unique violation is Latchkey business');
  assert.equal(await counted(metrics, 'latchkey_store_errors_total', 'store="database"'), 2);
});

test('a refused attempt counts as a rate-limit refusal under its limiter name; the store keeps working', async () => {
  const metrics = createMetrics();
  const store = instrumentEphemeral(createMemoryStore(), metrics);
  const limiter = store.failureLimiter({ name: 'login-email', points: 1, durationSeconds: 60, blockSeconds: 60 });
  assert.equal((await limiter.fail('k')).overLimit, false);
  assert.equal((await limiter.fail('k')).overLimit, true);
  assert.ok((await limiter.check('k')).blockedFor > 0);
  assert.equal(await counted(metrics, 'latchkey_rate_limit_refusals_total', 'limiter="login-email"'), 2);
  const kv = store.kv('t');
  assert.equal(await kv.claim('a', 10), true);
  assert.equal(await kv.claim('a', 10), false);
  assert.equal(store.name, 'memory');
  await store.close();
});

test('store calls are counted by operation, a transaction with its BEGIN, COMMIT and statements', async () => {
  const metrics = createMetrics();
  const db = instrumentDb(emptyDb(), metrics);
  await db.query('SELECT 1');
  await db.transaction(async (tx) => {
    await tx.query('SELECT payload FROM oidc_models WHERE id_hash = $1', ['secret-looking']);
    await tx.query('UPDATE accounts SET name = $2 WHERE id = $1', ['a', 'b']);
  });
  assert.equal(await counted(metrics, 'latchkey_store_calls_total', 'store="database",operation="select"'), 1);
  assert.equal(await counted(metrics, 'latchkey_store_calls_total', 'store="database",operation="select oidc_models"'), 1);
  assert.equal(await counted(metrics, 'latchkey_store_calls_total', 'store="database",operation="update accounts"'), 1);
  assert.doesNotMatch((await metrics.scrape()).body, /secret-looking/, 'parameters never become labels');
  assert.equal(await counted(metrics, 'latchkey_store_calls_total', 'store="database",operation="begin"'), 1);
  assert.equal(await counted(metrics, 'latchkey_store_calls_total', 'store="database",operation="commit"'), 1);

  const store = instrumentEphemeral(createMemoryStore(), metrics);
  await store.kv('replay').claim('a', 10);
  await store.adapterFor('Interaction').find('x');
  await store.failureLimiter({ name: 'login-email', points: 5, durationSeconds: 60, blockSeconds: 60 }).check('k');
  assert.equal(await counted(metrics, 'latchkey_store_calls_total', 'store="ephemeral",operation="kv:replay.claim"'), 1);
  assert.equal(await counted(metrics, 'latchkey_store_calls_total', 'store="ephemeral",operation="adapterFor:Interaction.find"'), 1);
  assert.equal(await counted(metrics, 'latchkey_store_calls_total', 'store="ephemeral",operation="failureLimiter:login-email.check"'), 1);
  await store.close();
});

test('a token lookup is counted under its table, with and without its grant read along', async () => {
  const metrics = createMetrics();
  const db = instrumentDb(emptyDb(), metrics);
  // Outside a request the plain lookup; inside a token request the one that reads the grant along.
  let request: object | undefined;
  const rotations = createRotationCommits(db, () => request);
  const adapter = createSqlAdapter(db, 'RefreshToken', { rotation: rotations, readAhead: createReadAhead(() => request), grantAhead: true, reuseGraceSeconds: 10 });
  await adapter.find('outside-a-request');
  request = {};
  await rotations.run(request, async () => {
    await adapter.find('in-a-token-request');
  });
  // Both statements compute how long ago a token was used; that must not read as a table.
  assert.equal(await counted(metrics, 'latchkey_store_calls_total', 'store="database",operation="select oidc_models"'), 2);
  assert.doesNotMatch((await metrics.scrape()).body, /operation="select now"/);
});
