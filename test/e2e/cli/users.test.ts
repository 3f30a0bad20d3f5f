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
