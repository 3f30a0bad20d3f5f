/**
 * Db.transaction on Postgres sends BEGIN together with the first statement (pipelined,
 * storage/postgres.ts). What callers rely on must hold all the same: all or nothing,
 * a statement past the bound never commits later, and the pool goes on afterwards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Db } from '../../src/storage/db.js';
import { createPostgresDb, isTimeout } from '../../src/storage/postgres.js';
import { testDatabaseUrl } from '../helpers/backends.js';
import { waitFor } from '../helpers/own-stores.js';
import { scratchDatabase } from '../helpers/scratch-database.js';

const pgUrl = testDatabaseUrl();
const TIMEOUT_MS = 300;

if (pgUrl) {
  describe('Postgres transactions (pipelined BEGIN)', () => {
    let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
    let db: Db;
    const ids = async () => (await db.query<{ id: number }>('SELECT id FROM items ORDER BY id')).rows.map((r) => r.id);
    // The server lets go of a dropped connection's backend only once its statement ends.
    const timedOutBackendGone = () =>
      waitFor('the timed-out backend to end', async () => {
        const { rows } = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(2)%' AND pid <> pg_backend_pid()`,
        );
        return rows[0]!.n === 0;
      });

    before(async () => {
      scratch = await scratchDatabase(pgUrl);
      db = createPostgresDb(scratch.url, { queryTimeoutMs: TIMEOUT_MS, max: 2 });
      await db.exec('CREATE TABLE items (id int PRIMARY KEY)');
    });
    after(async () => {
      await db?.close();
      await scratch?.drop();
    });

    test('the statements of a transaction commit together, and its answer is what fn returned', async () => {
      const out = await db.transaction(async (tx) => {
        await tx.query('INSERT INTO items VALUES (1)');
        await tx.query('INSERT INTO items VALUES (2)');
        return (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM items')).rows[0]!.n;
      });
      assert.equal(out, 2);
      assert.deepEqual(await ids(), [1, 2]);
    });

    test('a failing statement rolls back what came before it, on every connection of the pool', async () => {
      for (let i = 0; i < 4; i++) {
        await assert.rejects(
          db.transaction(async (tx) => {
            await tx.query('INSERT INTO items VALUES (3)');
            await tx.query('INSERT INTO items VALUES (1)'); // duplicate key
          }),
          /duplicate key/,
        );
      }
      // The first statement failing, and fn throwing before any statement, leave nothing either.
      await assert.rejects(db.transaction((tx) => tx.query('INSERT INTO items VALUES (1)')), /duplicate key/);
      await assert.rejects(
        db.transaction(() => {
          throw new Error('not even started');
        }),
        /not even started/,
      );
      assert.deepEqual(await ids(), [1, 2]);
      // No connection was left inside a transaction: the next ones commit.
      await Promise.all([4, 5].map((id) => db.transaction((tx) => tx.query('INSERT INTO items VALUES ($1)', [id]))));
      assert.deepEqual(await ids(), [1, 2, 4, 5]);
    });

    test('a script runs past the bound of statements (migrations may take longer than any request)', async () => {
      await db.exec(`SELECT pg_sleep(${(TIMEOUT_MS * 2) / 1000})`);
      await db.transaction((tx) => tx.exec(`SELECT pg_sleep(${(TIMEOUT_MS * 2) / 1000})`));
    });

    test('a script that fails part-way inside a transaction leaves nothing of its statements', async () => {
      await assert.rejects(
        db.transaction((tx) => tx.exec('INSERT INTO items VALUES (7); INSERT INTO items VALUES (8); INSERT INTO items VALUES (1);')),
        /duplicate key/,
      );
      assert.deepEqual(await ids(), [1, 2, 4, 5]);
    });

    test('a statement that outlasts the bound is rolled back, never committed when it ends', async () => {
      const err = await db
        .transaction(async (tx) => {
          await tx.query('INSERT INTO items VALUES (6)');
          await tx.query('SELECT pg_sleep(2)');
        })
        .catch((e: unknown) => e);
      assert.ok(isTimeout(err), `a timeout, not ${String(err)}`);
      await timedOutBackendGone();
      assert.deepEqual(await ids(), [1, 2, 4, 5]);
      assert.equal((await db.transaction((tx) => tx.query<{ one: number }>('SELECT 1 AS one'))).rows[0]!.one, 1, 'the pool goes on');
    });

    test('fn that swallows its own timed-out statement still gets no commit', async () => {
      const err = await db
        .transaction(async (tx) => {
          await tx.query('INSERT INTO items VALUES (9)');
          await tx.query('SELECT pg_sleep(2)').catch(() => undefined);
          return 'carried on';
        })
        .catch((e: unknown) => e);
      assert.ok(err instanceof Error, `rejected, not ${String(err)}`);
      await timedOutBackendGone();
      assert.deepEqual(await ids(), [1, 2, 4, 5]);
      await db.transaction((tx) => tx.query('INSERT INTO items VALUES (10)'));
      assert.deepEqual(await ids(), [1, 2, 4, 5, 10], 'the pool goes on');
    });
  });
}
