import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { createAccountsRepo } from '../../src/accounts/accounts-repo.js';
import { createApiKeys, listApiKeys, revokeApiKey } from '../../src/clients/api-keys.js';
import { createClientRegistry } from '../../src/clients/registry.js';
import { createResourcesRepo } from '../../src/clients/resources-repo.js';

const API = 'https://api.example.com/reports';

/**
 * The API-key domain on every backend: the functions the admin API and pages use
 * (listApiKeys with a cursor, revokeApiKey by an admin), the per-account limit under
 * concurrent creation, and that the operator's client commands never widen a user's key.
 */
for (const backend of backends()) {
  describe(`API keys (${backend.name})`, () => {
    let open: OpenBackend;
    const now = new Date('2026-11-30T10:00:00Z');
    const keys = () => createApiKeys(open.db, { clock: () => now, policy: { maxDays: 365, perAccount: 5 } });
    const input = (name: string) => ({ name, grants: [{ indicator: API, scopes: ['reports:read'] }], expiresAt: new Date(now.getTime() + 86_400_000) });

    before(async () => {
      open = await backend.open();
      await createResourcesRepo(open.db).create({ indicator: API, scopes: ['reports:read', 'reports:write'], userDelegableScopes: ['reports:read'] });
    });
    after(async () => open?.close());

    const user = (email: string) => createAccountsRepo(open.db).create({ email, name: 'Test', passwordHash: null, emailVerified: true });

    test('listApiKeys pages through every key, or one owner\'s; revokeApiKey by an admin names the admin', async () => {
      const alice = await user('alice.list@example.com');
      const bob = await user('bob.list@example.com');
      for (const n of [1, 2, 3]) await keys().create(alice.id, input(`alice ${n}`));
      await keys().create(bob.id, input('bob 1'));
      const first = await listApiKeys(keys(), alice.id, undefined, 2);
      assert.equal(first.items.length, 2);
      assert.equal(first.items[0]!.ownerEmail, 'alice.list@example.com');
      const second = await listApiKeys(keys(), alice.id, first.nextCursor, 2);
      assert.equal(second.items.length, 1);
      assert.deepEqual([...first.items, ...second.items].map((k) => k.name).sort(), ['alice 1', 'alice 2', 'alice 3'], 'each key once');
      assert.equal(second.nextCursor, undefined);
      const all = await listApiKeys(keys(), 'all');
      assert.ok(all.items.some((k) => k.name === 'bob 1') && all.items.some((k) => k.name === 'alice 1'));
      await assert.rejects(listApiKeys(keys(), 'all', 'not-a-cursor'), /not one this list gave out/);

      const target = first.items[0]!;
      assert.equal(await revokeApiKey(keys(), target.clientId, { accountId: bob.id }), false, "another account's key is not found");
      assert.equal(await revokeApiKey(keys(), target.clientId, { admin: 'root@example.com' }), true);
      assert.equal(await revokeApiKey(keys(), target.clientId, { admin: 'root@example.com' }), false);
      const { rows } = await open.db.query<{ detail: Record<string, unknown> }>("SELECT detail FROM audit_events WHERE type = 'api_key.revoked' AND client_id = $1", [target.clientId]);
      assert.deepEqual(rows[0]!.detail.by, { admin: 'root@example.com' });
      // Only keys: an operator's client is not revocable through this door.
      const app = await createClientRegistry(open.db).create({ name: 'App', redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'], scope: '', public: false, thirdParty: false });
      assert.equal(await revokeApiKey(keys(), app.clientId, { admin: 'root@example.com' }), false);
    });

    test('the per-account limit holds under concurrent creation', async () => {
      const carol = await user('carol.limit@example.com');
      const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => keys().create(carol.id, input(`k${i}`))));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 5);
      assert.equal((await keys().list(carol.id)).length, 5);
    });

    test("the operator's commands never widen a user's key", async () => {
      const dave = await user('dave.cli@example.com');
      const key = await keys().create(dave.id, input('dave'));
      const registry = createClientRegistry(open.db);
      await assert.rejects(registry.update(key.clientId, { redirectUris: ['https://evil.example.com/cb'] }), /is an API key of account/);
      await assert.rejects(registry.grantResource(key.clientId, { indicator: API, scopes: ['reports:write'] }), /reports:write is not user-delegable/);
      assert.deepEqual(await registry.grantResource(key.clientId, { indicator: API, scopes: ['reports:read'] }), { indicator: API, scopes: ['reports:read'] });
      assert.equal((await registry.show(key.clientId))!.ownerAccountId, dave.id);
    });
  });
}
