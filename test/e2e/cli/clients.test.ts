import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliSuite, latchkey } from './setup.js';

cliSuite('latchkey client and resource', { migrated: true }, (c) => {
  test('client create --admin-scopes grants the admin API in one step; unknown admin scopes are refused', async () => {
    const created = await latchkey(c.env, ['client', 'create', '--name', 'Directory sync', '--grant-types', 'client_credentials', '--admin-scopes', 'admin:users:read admin:audit:read', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const { client_id: id, resources } = JSON.parse(created.stdout) as { client_id: string; resources: Array<{ indicator: string; scopes: string[] }> };
    assert.equal(resources.length, 1);
    assert.match(resources[0]!.indicator, /\/admin\/api$/);
    assert.deepEqual(resources[0]!.scopes, ['admin:users:read', 'admin:audit:read']);
    assert.match((await latchkey(c.env, ['client', 'show', id])).stdout, /resource \S+\/admin\/api {2}scopes admin:users:read admin:audit:read/);
    const bad = await latchkey(c.env, ['client', 'create', '--name', 'Bad', '--grant-types', 'client_credentials', '--admin-scopes', 'admin:everything']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /admin:everything is not a scope of \S+\/admin\/api/);
  });

  test('clients: create (JSON, secret once), public, list, show, rotate, disable, delete', async () => {
    const created = await latchkey(c.env, [
      'client', 'create', '--name', 'Notes', '--redirect-uri', 'https://notes.example.com/cb', '--redirect-uri', 'https://notes.example.com/cb2',
      '--post-logout-redirect-uri', 'https://notes.example.com/', '--grant-types', 'authorization_code,refresh_token',
      '--scope', 'openid email profile offline_access', '--json',
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout.trim().split('\n').length, 1, 'one JSON object');
    const notes = JSON.parse(created.stdout) as { client_id: string; client_secret: string; redirect_uris: string[] };
    assert.ok(notes.client_secret.length >= 43);
    assert.deepEqual(notes.redirect_uris, ['https://notes.example.com/cb', 'https://notes.example.com/cb2']);

    const spa = JSON.parse((await latchkey(c.env, ['client', 'create', '--name', 'SPA', '--redirect-uri', 'https://spa.example.com/cb', '--public', '--json'])).stdout) as Record<string, unknown>;
    assert.equal(spa.client_secret, undefined);

    const listed = await latchkey(c.env, ['client', 'list']);
    assert.match(listed.stdout, new RegExp(notes.client_id));
    assert.match(listed.stdout, /SPA\tpublic/);

    const rotated = JSON.parse((await latchkey(c.env, ['client', 'secret', 'rotate', notes.client_id, '--overlap', '1h', '--json'])).stdout) as { secret_id: string; client_secret: string };
    assert.notEqual(rotated.client_secret, notes.client_secret);
    const shown = await latchkey(c.env, ['client', 'show', notes.client_id]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal((shown.stdout.match(/secret sec_/g) ?? []).length, 2);
    assert.ok(!shown.stdout.includes(notes.client_secret) && !shown.stdout.includes(rotated.client_secret), 'never prints a secret');

    assert.equal((await latchkey(c.env, ['client', 'disable', notes.client_id])).code, 0);
    assert.match((await latchkey(c.env, ['client', 'list'])).stdout, /disabled/);
    assert.equal((await latchkey(c.env, ['client', 'delete', notes.client_id])).code, 0);
    const missing = await latchkey(c.env, ['client', 'delete', notes.client_id]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /no client/);
  });

  test('machine client and resource commands; bad input exits non-zero with a message', async () => {
    const resource = await latchkey(c.env, [
      'resource', 'create', '--indicator', 'https://api.example.com/reports', '--scope', 'reports:read reports:write', '--name', 'Reports API',
      '--scope-description', 'reports:read=Read your reports', '--scope-description', 'reports:write=Create and change your reports', '--json',
    ]);
    assert.equal(resource.code, 0, resource.stderr);
    assert.deepEqual((JSON.parse(resource.stdout) as { scope_descriptions: unknown }).scope_descriptions, { 'reports:read': 'Read your reports', 'reports:write': 'Create and change your reports' });
    assert.match((await latchkey(c.env, ['resource', 'list'])).stdout, /reports:read reports:write/);
    const job = await latchkey(c.env, ['client', 'create', '--name', 'Job', '--grant-types', 'client_credentials', '--resource', 'https://api.example.com/reports reports:read', '--json']);
    assert.equal(job.code, 0, job.stderr);
    const jobId = (JSON.parse(job.stdout) as { client_id: string }).client_id;
    assert.match((await latchkey(c.env, ['client', 'show', jobId])).stdout, /resource https:\/\/api\.example\.com\/reports {2}scopes reports:read\n/);
    const granted = await latchkey(c.env, ['client', 'grant-resource', jobId, '--resource', 'https://api.example.com/reports', '--scope', 'reports:read', '--scope', 'reports:write']);
    assert.equal(granted.code, 0, granted.stderr);
    assert.match((await latchkey(c.env, ['client', 'show', jobId])).stdout, /scopes reports:read reports:write\n/);
    const badScope = await latchkey(c.env, ['client', 'grant-resource', jobId, '--resource', 'https://api.example.com/reports', '--scope', 'reports:delete']);
    assert.notEqual(badScope.code, 0);
    assert.match(badScope.stderr, /reports:delete is not a scope of https:\/\/api\.example\.com\/reports/);
    const flat = await latchkey(c.env, ['client', 'create', '--name', 'Flat', '--grant-types', 'client_credentials', '--scope', 'reports:read']);
    assert.notEqual(flat.code, 0, 'API scopes come with their resource');
    assert.match(flat.stderr, /reports:read is not an OpenID scope/);
    const reserved = await latchkey(c.env, ['client', 'create', '--name', 'your latchkey account', '--redirect-uri', 'https://x.example.com/cb']);
    assert.notEqual(reserved.code, 0);
    assert.match(reserved.stderr, /reserved for Latchkey itself/);
    assert.equal((await latchkey(c.env, ['client', 'revoke-resource', jobId, '--resource', 'https://api.example.com/reports'])).code, 0);
    assert.doesNotMatch((await latchkey(c.env, ['client', 'show', jobId])).stdout, /resource https/);
    const jwks = join(mkdtempSync(join(tmpdir(), 'latchkey-jwks-')), 'keys.json');
    writeFileSync(jwks, JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'k1' }] }));
    const signed = await latchkey(c.env, ['client', 'create', '--name', 'Signed job', '--grant-types', 'client_credentials', '--auth-method', 'private_key_jwt', '--jwks-file', jwks, '--json']);
    assert.equal(signed.code, 0, signed.stderr);
    assert.equal((JSON.parse(signed.stdout) as Record<string, unknown>).client_secret, undefined);

    const badGrant = await latchkey(c.env, ['client', 'create', '--name', 'X', '--grant-types', 'password']);
    assert.notEqual(badGrant.code, 0);
    assert.match(badGrant.stderr, /grant type password is not supported/);
    const badOverlap = await latchkey(c.env, ['client', 'secret', 'rotate', 'whatever', '--overlap', 'soon']);
    assert.notEqual(badOverlap.code, 0);
    assert.match(badOverlap.stderr, /--overlap/);
    const badEnv = await latchkey({ ...c.env, PORT: 'abc' }, ['client', 'list']);
    assert.notEqual(badEnv.code, 0);
    assert.match(badEnv.stderr, /PORT/);
  });

  test('resources users may delegate to their API keys: create --user-delegable, update, not-user-delegable', async () => {
    const all = await latchkey(c.env, ['resource', 'create', '--indicator', 'https://api.example.com/files', '--scope', 'files:read files:write', '--user-delegable', '--json']);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual((JSON.parse(all.stdout) as { user_delegable_scopes: string[] }).user_delegable_scopes, ['files:read', 'files:write']);
    const some = await latchkey(c.env, ['resource', 'update', 'https://api.example.com/files', '--user-delegable', 'files:read']);
    assert.equal(some.code, 0, some.stderr);
    assert.match(some.stdout, /users may delegate files:read\n/);
    assert.match((await latchkey(c.env, ['resource', 'list'])).stdout, /user-delegable: files:read\n/);
    const unknown = await latchkey(c.env, ['resource', 'update', 'https://api.example.com/files', '--user-delegable', 'files:delete']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /files:delete is not a scope of https:\/\/api\.example\.com\/files/);
    const none = await latchkey(c.env, ['resource', 'update', 'https://api.example.com/files', '--not-user-delegable', '--json']);
    assert.deepEqual((JSON.parse(none.stdout) as { user_delegable_scopes: string[] }).user_delegable_scopes, []);
    const neither = await latchkey(c.env, ['resource', 'update', 'https://api.example.com/files']);
    assert.notEqual(neither.code, 0);
    assert.match(neither.stderr, /--user-delegable/);
    assert.notEqual((await latchkey(c.env, ['resource', 'update', 'https://api.example.com/none', '--user-delegable'])).code, 0);
  });
});
