import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cliSuite, latchkey } from './setup.js';

cliSuite('latchkey migrate and user', { migrated: false }, (c) => {
  test('migrate, then users: flag, stdin, duplicate email refused', async () => {
    const migrated = await latchkey(c.env, ['migrate']);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, /applied|up to date/);
    const byFlag = await latchkey(c.env, ['user', 'create', '--email', 'alice@example.com', '--name', 'Alice Example', '--password', 'correct horse battery', '--json']);
    assert.equal(byFlag.code, 0, byFlag.stderr);
    const alice = JSON.parse(byFlag.stdout) as { sub: string; email: string };
    assert.equal(alice.email, 'alice@example.com');
    assert.notEqual(alice.sub, alice.email);
    const byStdin = await latchkey(c.env, ['user', 'create', '--email', 'bob@example.com', '--name', 'Bob'], 'another good password\n');
    assert.equal(byStdin.code, 0, byStdin.stderr);
    const duplicate = await latchkey(c.env, ['user', 'create', '--email', 'ALICE@example.com', '--name', 'Alice again', '--password', 'correct horse battery']);
    assert.notEqual(duplicate.code, 0);
    assert.match(duplicate.stderr, /already exists/);
    const weak = await latchkey(c.env, ['user', 'create', '--email', 'carol@example.com', '--name', 'Carol', '--password', 'short']);
    assert.notEqual(weak.code, 0);
    assert.match(weak.stderr, /at least 15/);
  });
});

cliSuite('latchkey user: the admin role', { migrated: true }, (c) => {
  test('create --admin, grant-admin and revoke-admin change the role; a second grant is refused', async () => {
    const made = await latchkey(c.env, ['user', 'create', '--email', 'dana@example.com', '--name', 'Dana Admin', '--password', 'correct horse battery', '--admin', '--json']);
    assert.equal(made.code, 0, made.stderr);
    assert.equal((JSON.parse(made.stdout) as { admin: boolean }).admin, true);
    const plain = await latchkey(c.env, ['user', 'create', '--email', 'erin@example.com', '--name', 'Erin', '--password', 'correct horse battery', '--json']);
    assert.equal(plain.code, 0, plain.stderr);
    const show = async (who: string) => {
      const r = await latchkey(c.env, ['user', 'show', who, '--json']);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as { admin: boolean };
    };
    assert.equal((await show('erin@example.com')).admin, false);
    const granted = await latchkey(c.env, ['user', 'grant-admin', 'ERIN@example.com']);
    assert.equal(granted.code, 0, granted.stderr);
    assert.equal((await show('erin@example.com')).admin, true);
    const again = await latchkey(c.env, ['user', 'grant-admin', 'erin@example.com']);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /already an admin/);
    const revoked = await latchkey(c.env, ['user', 'revoke-admin', 'dana@example.com']);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal((await show('dana@example.com')).admin, false);
    const notAdmin = await latchkey(c.env, ['user', 'revoke-admin', 'dana@example.com']);
    assert.notEqual(notAdmin.code, 0);
    assert.match(notAdmin.stderr, /is not an admin/);
  });
});
