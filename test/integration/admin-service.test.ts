import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { createAccountsRepo } from '../../src/accounts/accounts-repo.js';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { parseConfig } from '../../src/config/config.js';
import { etagOf, setUserAdmin, updateUser, userCore, viewUser, type Actor } from '../../src/admin/service/index.js';

/** The admin service's own rules, whoever calls it (console, API, CLI). */
for (const backend of backends()) {
  describe(`admin service (${backend.name})`, () => {
    let open: OpenBackend;
    before(async () => {
      open = await backend.open();
    });
    after(() => open?.close());
    const deps = () => ({
      db: open.db,
      ephemeral: open.ephemeral,
      clock: () => new Date(),
      audit: createAuditLog(open.db),
      config: parseConfig({ LATCHKEY_ISSUER: 'http://localhost:3000', LATCHKEY_DATA_DIR: open.dataDir }),
    });

    test('an admin cannot disable themselves or revoke their own role; another admin can', async () => {
      const accounts = createAccountsRepo(open.db);
      const alice = await accounts.create({ email: 'alice@example.com', name: 'Alice', passwordHash: null, isAdmin: true });
      const bob = await accounts.create({ email: 'bob@example.com', name: 'Bob', passwordHash: null, isAdmin: true });
      const asAlice: Actor = { kind: 'account', id: alice.id };
      await assert.rejects(updateUser(deps(), asAlice, alice.id, { disabled: true }), { code: 'admin.self_action_refused', status: 409 });
      await assert.rejects(setUserAdmin(deps(), asAlice, alice.id, false), { code: 'admin.self_action_refused' });
      assert.equal((await accounts.findById(alice.id))!.isAdmin, true, 'nothing changed');
      const done = await updateUser(deps(), asAlice, bob.id, { admin: false });
      assert.equal(done.isAdmin, false);
      const events = await createAuditLog(open.db).list({ accountId: bob.id, type: 'account.admin_revoked' });
      assert.deepEqual(events[0]!.detail, { by: 'account', actor: alice.id });
    });

    test('the ETag covers what an edit acts on, and a stale one changes nothing', async () => {
      const carol = await createAccountsRepo(open.db).create({ email: 'carol@example.com', name: 'Carol', passwordHash: null });
      const view = await viewUser(deps(), carol.id);
      assert.equal(view.etag, etagOf(userCore(carol)));
      await updateUser(deps(), { kind: 'cli' }, carol.id, { name: 'Carol B' }, { ifMatch: view.etag });
      await assert.rejects(updateUser(deps(), { kind: 'cli' }, carol.id, { disabled: true }, { ifMatch: view.etag }), { code: 'admin.precondition_failed', status: 412 });
      assert.equal((await createAccountsRepo(open.db).findById(carol.id))!.disabledAt, null);
    });
  });
}
