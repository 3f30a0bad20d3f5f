import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiKeyToken, createUserApiKey, REPORTS } from '../../helpers/api-keys.js';
import { adminApiSuite } from './setup.js';

adminApiSuite("admin API: users' API keys", (c) => {
  test("lists a user's keys (grants, end date, never a secret), paged by an opaque cursor", async () => {
    const { token } = await c.automation('admin:users:read');
    const alice = await c.lk.createUser({ email: 'alice.apikeys@example.com' });
    const first = await createUserApiKey(c.open.db, c.lk.config, alice.id, 'Nightly export');
    const second = await createUserApiKey(c.open.db, c.lk.config, alice.id, 'Dashboard');
    const bob = await c.lk.createUser({ email: 'bob.apikeys@example.com' });
    await createUserApiKey(c.open.db, c.lk.config, bob.id, "Bob's key");

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await c.api('GET', `/users/${alice.id}/api-keys?limit=1${cursor ? `&cursor=${cursor}` : ''}`, { token });
      assert.equal(page.status, 200, JSON.stringify(page.body));
      for (const key of page.body.items) {
        seen.push(key.clientId);
        assert.equal(key.ownerEmail, 'alice.apikeys@example.com');
        assert.deepEqual(key.grants, [{ indicator: REPORTS, scopes: ['reports:read'] }]);
        assert.equal(key.expired, false);
        assert.equal(key.lastUsedAt, null);
        assert.ok(Date.parse(key.expiresAt) > Date.now());
        assert.doesNotMatch(JSON.stringify(key), /secret"|clientSecret/i);
      }
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.deepEqual(seen.sort(), [first.clientId, second.clientId].sort(), "only alice's keys");

    const forged = await c.api('GET', `/users/${alice.id}/api-keys?cursor=bm90IGpzb24`, { token });
    assert.equal(forged.status, 400);
    assert.equal(forged.body.code, 'admin.bad_cursor');
    const nobody = await c.api('GET', '/users/nobody/api-keys', { token });
    assert.equal(nobody.status, 404);
    assert.match(nobody.headers.get('content-type')!, /^application\/problem\+json/);
  });

  test('revoke: needs admin:users:write; another user\'s key is 404; after it the key gets no token (invalid_client); the audit event names the admin client', async () => {
    const reader = await c.automation('admin:users:read');
    const writer = await c.automation('admin:users:read admin:users:write admin:audit:read');
    const carol = await c.lk.createUser({ email: 'carol.apikeys@example.com' });
    const dave = await c.lk.createUser({ email: 'dave.apikeys@example.com' });
    const key = await createUserApiKey(c.open.db, c.lk.config, carol.id);
    assert.equal((await apiKeyToken(c.lk.issuer, key)).status, 200, 'the key works before');

    const refused = await c.api('DELETE', `/users/${carol.id}/api-keys/${key.clientId}`, { token: reader.token });
    assert.equal(refused.status, 403);
    assert.match(refused.headers.get('content-type')!, /^application\/problem\+json/);
    assert.equal(refused.body.code, 'admin.insufficient_scope');

    const notHers = await c.api('DELETE', `/users/${dave.id}/api-keys/${key.clientId}`, { token: writer.token });
    assert.equal(notHers.status, 404, "a key is revoked only through its owner's path");
    assert.equal(notHers.body.code, 'admin.not_found');
    // Nor is any other client an API key: the admin client itself is refused as not found.
    assert.equal((await c.api('DELETE', `/users/${carol.id}/api-keys/${writer.clientId}`, { token: writer.token })).status, 404);
    assert.equal((await apiKeyToken(c.lk.issuer, key)).status, 200, 'still works after the refusals');

    const revoked = await c.api('DELETE', `/users/${carol.id}/api-keys/${key.clientId}`, { token: writer.token });
    assert.equal(revoked.status, 204, JSON.stringify(revoked.body));
    const after = await apiKeyToken(c.lk.issuer, key);
    assert.equal(after.status, 401);
    assert.equal(after.body.error, 'invalid_client');
    assert.deepEqual((await c.api('GET', `/users/${carol.id}/api-keys`, { token: reader.token })).body.items, []);
    assert.equal((await c.api('DELETE', `/users/${carol.id}/api-keys/${key.clientId}`, { token: writer.token })).status, 404, 'twice: gone');

    const audit = await c.api('GET', `/audit?accountId=${carol.id}&type=api_key.revoked`, { token: writer.token });
    assert.equal(audit.status, 200);
    assert.equal(audit.body.items.length, 1);
    assert.equal(audit.body.items[0].clientId, key.clientId);
    assert.deepEqual(audit.body.items[0].detail.by, { adminClient: writer.clientId });
  });
});
