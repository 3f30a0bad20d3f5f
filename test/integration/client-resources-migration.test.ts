import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createPgliteDb } from '../../src/storage/pglite.js';
import { createPostgresDb } from '../../src/storage/postgres.js';
import type { Db } from '../../src/storage/db.js';
import { loadMigrations, migrate } from '../../src/storage/migrate.js';
import { testDatabaseUrl } from '../helpers/backends.js';
import { scratchDatabase } from '../helpers/scratch-database.js';

/** Databases that have not been migrated yet: in-memory PGlite, and Postgres when there is one. */
const targets: Array<{ name: string; open(): Promise<{ db: Db; close(): Promise<void> }> }> = [
  {
    name: 'pglite',
    async open() {
      const db = await createPgliteDb(undefined);
      return { db, close: () => db.close() };
    },
  },
];
const pgUrl = testDatabaseUrl();
if (pgUrl) {
  targets.push({
    name: 'postgres',
    async open() {
      const scratch = await scratchDatabase(pgUrl);
      const db = createPostgresDb(scratch.url);
      const close = async () => {
        await db.close();
        await scratch.drop();
      };
      return { db, close };
    },
  });
}

for (const target of targets) {
  describe(`migration 005: per-client resource grants (${target.name})`, () => {
    let opened: { db: Db; close(): Promise<void> };
    before(async () => {
      opened = await target.open();
    });
    after(async () => opened?.close());

    test('a client keeps exactly what its flat scope list gave it on each existing resource', async () => {
      const { db } = opened;
      await migrate(db, loadMigrations().filter((m) => m.version < 5));
      await db.query(`INSERT INTO resources (indicator, name, scopes) VALUES ('https://api.example.com/reports', 'Reports', '{reports:read,reports:write}'),
        ('https://api.example.com/billing', 'Billing', '{billing:read}')`);
      await db.query(`INSERT INTO clients (client_id, name, confidential, third_party, can_introspect, scopes, metadata) VALUES
        ('job', 'Job', true, false, false, '{reports:read}', '{"client_id":"job"}'),
        ('web', 'Web', true, false, false, '{openid,email,reports:read,reports:write}', '{"client_id":"web"}'),
        ('plain', 'Plain', true, false, false, '{openid}', '{"client_id":"plain"}')`);
      await migrate(db);
      const { rows } = await db.query<{ client_id: string; indicator: string; scopes: string[] }>(
        'SELECT client_id, indicator, scopes FROM client_resources ORDER BY client_id, indicator',
      );
      assert.deepEqual(rows, [
        { client_id: 'job', indicator: 'https://api.example.com/reports', scopes: ['reports:read'] },
        { client_id: 'web', indicator: 'https://api.example.com/reports', scopes: ['reports:read', 'reports:write'] },
      ]);
      const scopes = await db.query<{ client_id: string; scopes: string[] }>('SELECT client_id, scopes FROM clients ORDER BY client_id');
      assert.deepEqual(scopes.rows, [
        { client_id: 'job', scopes: [] },
        { client_id: 'plain', scopes: ['openid'] },
        { client_id: 'web', scopes: ['openid', 'email'] },
      ]);
      await db.query("DELETE FROM clients WHERE client_id = 'web'");
      assert.equal((await db.query("SELECT 1 FROM client_resources WHERE client_id = 'web'")).rowCount, 0, 'ON DELETE CASCADE');
    });
  });
}
