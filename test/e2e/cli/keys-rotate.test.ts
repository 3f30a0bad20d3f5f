import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliSuite, latchkey, stderrLines } from './setup.js';

interface Rotation {
  added: Array<{ kid: string; use: string; alg: string | null; activates_at: string }>;
  retiring: Array<{ kid: string; use: string; alg: string | null; retires_at: string }>;
}

cliSuite('latchkey keys rotate', { migrated: true }, (c) => {
  test('schedules new keys after the delay and the old ones for retirement; one rotation at a time', async () => {
    // A store that never served has no keys: the first ones sign at once.
    const first = await latchkey(c.env, ['keys', 'rotate', '--json']);
    assert.equal(first.code, 0, first.stderr);
    const initial = JSON.parse(first.stdout) as Rotation;
    assert.deepEqual(initial.added.map((k) => `${k.use}:${k.alg}`).sort(), ['cookie:null', 'sig:ES256', 'sig:RS256']);
    assert.deepEqual(initial.retiring, []);

    const tooSoon = await latchkey(c.env, ['keys', 'rotate', '--activate-after', '1m']);
    assert.equal(tooSoon.code, 1);
    assert.match(tooSoon.stderr, /--activate-after: at least 360s/);

    const started = Date.now();
    const second = await latchkey(c.env, ['keys', 'rotate', '--activate-after', '2h', '--json']);
    assert.equal(second.code, 0, second.stderr);
    const rotation = JSON.parse(second.stdout) as Rotation;
    for (const k of rotation.added) {
      const delay = Date.parse(k.activates_at) - started;
      assert.ok(delay > 1.9 * 3600_000 && delay < 2.1 * 3600_000, `${k.kid} signs two hours from now`);
    }
    assert.deepEqual(rotation.retiring.map((k) => k.kid).sort(), initial.added.map((k) => k.kid).sort(), 'every old key retires');
    const es = rotation.retiring.find((k) => k.alg === 'ES256')!;
    // ID tokens live an hour: the old key stays published at least that long after the switch.
    assert.ok(Date.parse(es.retires_at) - Date.parse(rotation.added[0]!.activates_at) >= 3600_000);
    const cookie = rotation.retiring.find((k) => k.use === 'cookie')!;
    assert.ok(Date.parse(cookie.retires_at) - Date.parse(rotation.added[0]!.activates_at) >= 14 * 24 * 3600_000, 'cookie keys outlast sessions');

    const third = await latchkey(c.env, ['keys', 'rotate']);
    assert.equal(third.code, 1);
    assert.match(third.stderr, /^latchkey: a rotation is already scheduled: key \S+ starts signing at /m);
  });

  test('another key-encryption key than the store was sealed with is refused, and nothing is written', async () => {
    const before = (await latchkey(c.env, ['keys', 'list', '--json'])).stdout;
    const other = await latchkey({ ...c.env, LATCHKEY_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') }, ['keys', 'rotate', '--activate-after', '2h']);
    assert.equal(other.code, 1);
    assert.match(stderrLines(other.stderr).join('\n'), /^latchkey: LATCHKEY_KEY_ENCRYPTION_KEY does not open this store's key \S+: /);
    assert.equal((await latchkey(c.env, ['keys', 'list', '--json'])).stdout, before);
  });
});

// Run with the server stopped, a command works on the store itself and must seal with the
// key the server uses (cli/store-key.ts): any other key is refused before anything is written.
test('keys rotate and user create --invite refuse a key-encryption key the store was not sealed with', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-kek-'));
  try {
    const server = { LATCHKEY_DATA_DIR: dir, LATCHKEY_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') };
    assert.equal((await latchkey(server, ['migrate'])).code, 0);
    const sealed = await latchkey(server, ['keys', 'rotate', '--json']);
    assert.equal(sealed.code, 0, sealed.stderr);
    const keysBefore = (await latchkey(server, ['keys', 'list', '--json'])).stdout;

    // The shell lacks the variable the server runs with: no key file is made to fill in.
    const without = await latchkey({ LATCHKEY_DATA_DIR: dir }, ['keys', 'rotate']);
    assert.equal(without.code, 1);
    const kid = (JSON.parse(sealed.stdout) as Rotation).added.map((k) => k.kid);
    const [line, ...rest] = stderrLines(without.stderr);
    assert.deepEqual(rest, []);
    assert.match(line!, /^latchkey: LATCHKEY_KEY_ENCRYPTION_KEY is not set and no key file \((.+)\) does not open this store's key (\S+): set LATCHKEY_KEY_ENCRYPTION_KEY to the key Latchkey runs with$/);
    assert.ok(line!.includes(`(${join(dir, 'key-encryption.key')})`));
    assert.ok(kid.some((k) => line!.includes(` key ${k}:`)), 'names a key of this store');
    assert.equal(existsSync(join(dir, 'key-encryption.key')), false);

    const other = { LATCHKEY_DATA_DIR: dir, LATCHKEY_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') };
    for (const args of [['keys', 'rotate'], ['user', 'create', '--invite', '--email', 'alice@example.com', '--name', 'Alice']]) {
      const wrong = await latchkey(other, args);
      assert.equal(wrong.code, 1, args.join(' '));
      assert.match(stderrLines(wrong.stderr).join('\n'), /^latchkey: LATCHKEY_KEY_ENCRYPTION_KEY does not open this store's key \S+: set LATCHKEY_KEY_ENCRYPTION_KEY to the key Latchkey runs with$/);
    }
    assert.equal((await latchkey(server, ['keys', 'list', '--json'])).stdout, keysBefore, 'no key was added');
    assert.deepEqual(JSON.parse((await latchkey(server, ['user', 'list', '--json'])).stdout), [], 'nobody was invited');

    const rotated = await latchkey(server, ['keys', 'rotate']);
    assert.equal(rotated.code, 0, rotated.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
