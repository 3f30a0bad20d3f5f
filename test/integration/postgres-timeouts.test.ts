/**
 * LATCHKEY_DB_QUERY_TIMEOUT_MS bounds what requests wait for, not what an operator's
 * migration may take. Postgres only (PGlite runs in the process: it cannot stop
 * answering on its own).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { parseConfig } from '../../src/config/config.js';
import { openDb } from '../../src/storage/open.js';
import { testDatabaseUrl } from '../helpers/backends.js';
import { scratchDatabase } from '../helpers/scratch-database.js';
import { waitFor } from '../helpers/own-stores.js';

// Registered only with a Postgres (under CI=true a missing one fails in testDatabaseUrl).
const pgUrl = testDatabaseUrl();
const TIMEOUT_MS = 200;
// migrate.ts: the advisory lock every migrating process takes first.
const MIGRATION_LOCK_ID = 72_540_113;

if (pgUrl) {
  describe('Postgres query timeout', () => {
    let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
    before(async () => {
      scratch = await scratchDatabase(pgUrl);
    });
    after(async () => {
      await scratch?.drop();
    });

    test('migrations wait for another process holding the migration lock longer than the timeout; queries after are bounded', async () => {
      const config = parseConfig({ DATABASE_URL: scratch.url, LATCHKEY_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64url'), LATCHKEY_DB_QUERY_TIMEOUT_MS: String(TIMEOUT_MS) });
      assert.equal(config.dbQueryTimeoutMs, TIMEOUT_MS);
      // Another process in the middle of migrating: it holds the lock.
      const other = new pg.Client({ connectionString: scratch.url });
      await other.connect();
      try {
        await other.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
        const opening = openDb(config);
        // Wait until this start has waited on the lock for longer than the query timeout.
        await waitFor('the migration to wait on the lock past the timeout', async () => {
          const { rows } = await other.query(
            `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
               AND now() - query_start > make_interval(secs => $1::float8 / 1000 * 3)`,
            [TIMEOUT_MS],
          );
          return rows.length > 0;
        });
        await other.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
        const db = await opening;
        try {
          const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
          assert.ok(rows[0]!.n > 0, 'migrated');
          await assert.rejects(db.query('SELECT pg_sleep(5)'), /Query read timeout/, 'a request-side statement is bounded');
          assert.equal((await db.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one, 1, 'and the pool goes on');
        } finally {
          await db.close();
        }
      } finally {
        await other.end();
      }
    });
  });
}
