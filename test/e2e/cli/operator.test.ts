import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cliSuite, latchkey, stderrLines } from './setup.js';

/** The operator's commands on the store itself (no server running), on every backend. */
cliSuite('latchkey user, client update and keys', { migrated: true }, (c) => {
  test('users: list, show, set-password, disable, enable, unlock, delete; snake_case JSON; errors on stderr', async () => {
    const created = await latchkey(c.env, ['user', 'create', '--email', 'dana@example.com', '--name', 'Dana', '--json'], 'violet kettle harbour 42\n');
    assert.equal(created.code, 0, created.stderr);
    const { sub } = JSON.parse(created.stdout) as { sub: string };

    const listed = JSON.parse((await latchkey(c.env, ['user', 'list', '--json'])).stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(Object.keys(listed[0]!).sort(), ['admin', 'created_at', 'disabled_at', 'email', 'email_verified', 'has_password', 'name', 'sub']);
    const weak = await latchkey(c.env, ['user', 'set-password', 'dana@example.com', '--password', 'short']);
    assert.notEqual(weak.code, 0);
    assert.match(weak.stderr, /^latchkey: password: /);
    assert.equal((await latchkey(c.env, ['user', 'set-password', sub], 'plum sextant drizzle 17\n')).code, 0);

    assert.equal((await latchkey(c.env, ['user', 'disable', 'Dana@Example.com'])).code, 0);
    const again = await latchkey(c.env, ['user', 'disable', sub]);
    assert.equal(again.code, 1);
    assert.deepEqual(stderrLines(again.stderr), ['latchkey: dana@example.com is already disabled']);
    assert.match((await latchkey(c.env, ['user', 'list'])).stdout, /dana@example\.com\tDana\tdisabled/);
    assert.equal((await latchkey(c.env, ['user', 'enable', sub])).code, 0);
    assert.match((await latchkey(c.env, ['user', 'show', sub])).stdout, /disabled: -/);
    assert.equal((await latchkey(c.env, ['user', 'unlock', 'dana@example.com'])).code, 0);
    assert.deepEqual(JSON.parse((await latchkey(c.env, ['user', 'delete', sub, '--json'])).stdout), { sub, email: 'dana@example.com', done: 'delete' });
    const gone = await latchkey(c.env, ['user', 'show', 'dana@example.com']);
    assert.equal(gone.code, 1);
    assert.equal(gone.stderr, 'latchkey: no account dana@example.com\n');
  });

  test('client update and enable; keys list', async () => {
    const created = JSON.parse(
      (await latchkey(c.env, ['client', 'create', '--name', 'Notes', '--redirect-uri', 'https://notes.example.com/cb', '--json'])).stdout,
    ) as { client_id: string };
    const id = created.client_id;
    const updated = await latchkey(c.env, [
      'client', 'update', id, '--name', 'Notes 2', '--redirect-uri', 'https://notes.example.com/a', '--redirect-uri', 'https://notes.example.com/b', '--scope', 'openid email', '--json',
    ]);
    assert.equal(updated.code, 0, updated.stderr);
    const shown = JSON.parse(updated.stdout) as { name: string; redirect_uris: string[]; scope: string; client_id: string };
    assert.deepEqual([shown.client_id, shown.name, shown.redirect_uris, shown.scope], [id, 'Notes 2', ['https://notes.example.com/a', 'https://notes.example.com/b'], 'openid email']);
    const bad = await latchkey(c.env, ['client', 'update', id, '--redirect-uri', 'not a url']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^latchkey: not a url is not an absolute URL\n$/);
    const api = await latchkey(c.env, ['client', 'update', id, '--scope', 'openid reports:read']);
    assert.match(api.stderr, /reports:read is not an OpenID scope/);
    assert.equal((await latchkey(c.env, ['client', 'disable', id])).code, 0);
    assert.equal((await latchkey(c.env, ['client', 'enable', id, '--json'])).stdout, `${JSON.stringify({ client_id: id, done: 'enable' })}\n`);
    assert.doesNotMatch((await latchkey(c.env, ['client', 'list'])).stdout, /disabled/);
    assert.equal((await latchkey(c.env, ['client', 'enable', id])).code, 1, 'not disabled');

    // Keys are created by the first start; none before.
    const keys = await latchkey(c.env, ['keys', 'list', '--json']);
    assert.equal(keys.code, 0, keys.stderr);
    assert.ok(Array.isArray(JSON.parse(keys.stdout)));
  });
});
