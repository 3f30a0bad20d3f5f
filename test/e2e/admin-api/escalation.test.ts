import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAccountsRepo } from '../../../src/accounts/accounts-repo.js';
import { apiKeyToken, createUserApiKey } from '../../helpers/api-keys.js';
import { adminApiSuite, ALL_SCOPES } from './setup.js';

/**
 * A part of the admin API's power never becomes more: a client cannot take over (a new
 * secret), change or delete a client holding admin scopes it lacks, cannot take over a
 * user's own API key, and only a token with every admin scope makes or changes an admin.
 */
adminApiSuite('admin API: no escalation from a part of its power', (c) => {
  test('admin:clients:write cannot rotate, revoke, change or delete a client that holds more admin scopes', async () => {
    const strong = await c.automation(ALL_SCOPES);
    const { token } = await c.automation('admin:clients:write admin:clients:read');
    const rotated = await c.api('POST', `/clients/${strong.clientId}/secrets`, { token, body: { overlapSeconds: 0 } });
    assert.equal(rotated.status, 403);
    assert.equal(rotated.body.code, 'admin.scope_escalation');
    assert.equal(rotated.body.clientSecret, undefined);
    const view = await c.api('GET', `/clients/${strong.clientId}`, { token });
    assert.equal(view.status, 200);
    const etag = view.headers.get('etag')!;
    const patched = await c.api('PATCH', `/clients/${strong.clientId}`, { token, body: { name: 'Renamed' }, headers: { 'if-match': etag } });
    assert.equal(patched.status, 403);
    const deleted = await c.api('DELETE', `/clients/${strong.clientId}`, { token, headers: { 'if-match': etag } });
    assert.equal(deleted.status, 403);
    const secretId = view.body.secrets[0].id as string;
    const revoked = await c.api('DELETE', `/clients/${strong.clientId}/secrets/${secretId}`, { token });
    assert.equal(revoked.status, 403);
    // The strong client's own secret still works: nothing was changed.
    assert.equal((await c.token(strong, { resource: `${c.lk.issuer}/admin/api`, scope: ALL_SCOPES })).status, 200);
  });

  test("a user's API key is never taken over: no new secret, no change, by any admin token", async () => {
    const { token } = await c.automation(ALL_SCOPES);
    const alice = await c.lk.createUser({ email: 'alice.keys@example.com' });
    const key = await createUserApiKey(c.open.db, c.lk.config, alice.id, 'Nightly export');
    const rotated = await c.api('POST', `/clients/${key.clientId}/secrets`, { token, body: { overlapSeconds: 0 } });
    assert.equal(rotated.status, 409);
    assert.equal(rotated.body.code, 'admin.user_api_key');
    const view = await c.api('GET', `/clients/${key.clientId}`, { token });
    const patched = await c.api('PATCH', `/clients/${key.clientId}`, {
      token,
      body: { redirectUris: ['https://evil.example/cb'] },
      headers: { 'if-match': view.headers.get('etag')! },
    });
    assert.equal(patched.status, 409);
    assert.equal((await apiKeyToken(c.lk.issuer, key as { clientId: string; clientSecret: string })).status, 200, "the owner's secret still works");
  });

  test('admin:users:write alone cannot make an admin, nor change one', async () => {
    const { token } = await c.automation('admin:users:write admin:users:read');
    const made = await c.api('POST', '/users', { token, body: { email: 'mallory@example.com', name: 'Mallory', password: 'a long and unusual passphrase', admin: true } });
    assert.equal(made.status, 403);
    assert.equal(made.body.code, 'admin.scope_escalation');
    const admin = await c.lk.createUser({ email: 'root.admin@example.com' });
    await createAccountsRepo(c.open.db).setAdmin(admin.id, true);
    const view = await c.api('GET', `/users/${admin.id}`, { token });
    assert.equal(view.status, 200);
    const disabled = await c.api('PATCH', `/users/${admin.id}`, { token, body: { disabled: true }, headers: { 'if-match': view.headers.get('etag')! } });
    assert.equal(disabled.status, 403);
    const plain = await c.lk.createUser({ email: 'plain.user@example.com' });
    const plainView = await c.api('GET', `/users/${plain.id}`, { token });
    const promoted = await c.api('PATCH', `/users/${plain.id}`, { token, body: { admin: true }, headers: { 'if-match': plainView.headers.get('etag')! } });
    assert.equal(promoted.status, 403);
    // A token with every admin scope may.
    const full = await c.automation(ALL_SCOPES);
    const allowed = await c.api('PATCH', `/users/${plain.id}`, { token: full.token, body: { admin: true }, headers: { 'if-match': plainView.headers.get('etag')! } });
    assert.equal(allowed.status, 200, JSON.stringify(allowed.body));
    assert.equal(allowed.body.admin, true);
  });

  test('a forged audit cursor with an impossible time is a 400 problem, not a 500', async () => {
    const { token } = await c.automation('admin:audit:read');
    for (const at of ['2026-02-31 10:00:00+00', 'not a time', '2026-11-30 25:00:00+00']) {
      const cursor = Buffer.from(JSON.stringify({ at, id: '1' })).toString('base64url');
      const page = await c.api('GET', `/audit?cursor=${cursor}`, { token });
      assert.equal(page.status, 400, at);
      assert.equal(page.body.code, 'admin.bad_cursor');
    }
  });
});
