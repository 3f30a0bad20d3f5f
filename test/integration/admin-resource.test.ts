import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminIndicator, ensureAdminResource } from '../../src/clients/admin-resource.js';
import { backends, type OpenBackend } from '../helpers/backends.js';

const ISSUER = 'http://localhost:9999';

for (const backend of backends()) {
  describe(`the admin API resource at start (${backend.name})`, () => {
    let open: OpenBackend;
    before(async () => {
      open = await backend.open();
    });
    after(async () => open?.close());

    // xmin: the transaction that wrote the row's current version (Postgres system column).
    const version = async () =>
      (await open.db.query<{ v: string; delegable: string[] }>('SELECT xmin::text AS v, user_delegable_scopes AS delegable FROM resources WHERE indicator = $1', [adminIndicator(ISSUER)]))
        .rows[0];

    test('a start with the row already so writes nothing; a changed row is put back', async () => {
      await ensureAdminResource(open.db, ISSUER);
      const first = await version();
      assert.ok(first);

      await ensureAdminResource(open.db, ISSUER);
      assert.equal((await version())?.v, first.v, 'an up-to-date row is left alone (a restart writes nothing)');

      await open.db.query("UPDATE resources SET user_delegable_scopes = '{admin:read}', name = 'renamed' WHERE indicator = $1", [adminIndicator(ISSUER)]);
      await ensureAdminResource(open.db, ISSUER);
      const restored = await version();
      assert.deepEqual(restored?.delegable, [], 'users may not put admin scopes on their own keys');
      assert.equal((await open.db.query<{ name: string }>('SELECT name FROM resources WHERE indicator = $1', [adminIndicator(ISSUER)])).rows[0]?.name, 'Latchkey admin API');
    });
  });
}
