import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { scratchDatabase } from '../helpers/scratch-database.js';

const BIN = fileURLToPath(new URL('../../bin/latchkey.js', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function latchkey(env: Record<string, string>, args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    child.stdin!.end(stdin ?? '');
  });
}

/** The operator's command on embedded storage and, when available, on Postgres. */
const targets: Array<{ name: string; setup(): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }> }> = [
  {
    name: 'embedded',
    async setup() {
      const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-'));
      return { env: { LATCHKEY_DATA_DIR: dir }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
];
if (process.env.TEST_DATABASE_URL) {
  const admin = process.env.TEST_DATABASE_URL;
  targets.push({
    name: 'postgres',
    async setup() {
      const scratch = await scratchDatabase(admin, 'latchkey_cli');
      return {
        env: { DATABASE_URL: scratch.url, LATCHKEY_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') },
        cleanup: scratch.drop,
      };
    },
  });
}

for (const target of targets) {
  describe(`latchkey command (${target.name})`, () => {
    let env: Record<string, string>;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ env, cleanup } = await target.setup());
    });
    after(async () => cleanup?.());

    test('migrate, then users: flag, stdin, duplicate email refused', async () => {
      const migrated = await latchkey(env, ['migrate']);
      assert.equal(migrated.code, 0, migrated.stderr);
      assert.match(migrated.stdout, /applied|up to date/);
      const byFlag = await latchkey(env, ['user', 'create', '--email', 'alice@example.com', '--name', 'Alice Example', '--password', 'correct horse battery', '--json']);
      assert.equal(byFlag.code, 0, byFlag.stderr);
      const alice = JSON.parse(byFlag.stdout) as { sub: string; email: string };
      assert.equal(alice.email, 'alice@example.com');
      assert.notEqual(alice.sub, alice.email);
      const byStdin = await latchkey(env, ['user', 'create', '--email', 'bob@example.com', '--name', 'Bob'], 'another good password\n');
      assert.equal(byStdin.code, 0, byStdin.stderr);
      const duplicate = await latchkey(env, ['user', 'create', '--email', 'ALICE@example.com', '--name', 'Alice again', '--password', 'correct horse battery']);
      assert.notEqual(duplicate.code, 0);
      assert.match(duplicate.stderr, /already exists/);
      const weak = await latchkey(env, ['user', 'create', '--email', 'carol@example.com', '--name', 'Carol', '--password', 'short']);
      assert.notEqual(weak.code, 0);
      assert.match(weak.stderr, /at least 8/);
    });

    test('clients: create (JSON, secret once), public, list, show, rotate, disable, delete', async () => {
      const created = await latchkey(env, [
        'client', 'create', '--name', 'Notes', '--redirect-uri', 'https://notes.example.com/cb', '--redirect-uri', 'https://notes.example.com/cb2',
        '--post-logout-redirect-uri', 'https://notes.example.com/', '--grant-types', 'authorization_code,refresh_token',
        '--scope', 'openid email profile offline_access', '--json',
      ]);
      assert.equal(created.code, 0, created.stderr);
      assert.equal(created.stdout.trim().split('\n').length, 1, 'one JSON object');
      const notes = JSON.parse(created.stdout) as { client_id: string; client_secret: string; redirect_uris: string[] };
      assert.ok(notes.client_secret.length >= 43);
      assert.deepEqual(notes.redirect_uris, ['https://notes.example.com/cb', 'https://notes.example.com/cb2']);

      const spa = JSON.parse((await latchkey(env, ['client', 'create', '--name', 'SPA', '--redirect-uri', 'https://spa.example.com/cb', '--public', '--json'])).stdout) as Record<string, unknown>;
      assert.equal(spa.client_secret, undefined);

      const listed = await latchkey(env, ['client', 'list']);
      assert.match(listed.stdout, new RegExp(notes.client_id));
      assert.match(listed.stdout, /SPA\tpublic/);

      const rotated = JSON.parse((await latchkey(env, ['client', 'secret', 'rotate', notes.client_id, '--overlap', '1h', '--json'])).stdout) as { secret_id: string; client_secret: string };
      assert.notEqual(rotated.client_secret, notes.client_secret);
      const shown = await latchkey(env, ['client', 'show', notes.client_id]);
      assert.equal(shown.code, 0, shown.stderr);
      assert.equal((shown.stdout.match(/secret sec_/g) ?? []).length, 2);
      assert.ok(!shown.stdout.includes(notes.client_secret) && !shown.stdout.includes(rotated.client_secret), 'never prints a secret');

      assert.equal((await latchkey(env, ['client', 'disable', notes.client_id])).code, 0);
      assert.match((await latchkey(env, ['client', 'list'])).stdout, /disabled/);
      assert.equal((await latchkey(env, ['client', 'delete', notes.client_id])).code, 0);
      const missing = await latchkey(env, ['client', 'delete', notes.client_id]);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /no client/);
    });

    test('machine client and resource commands; bad input exits non-zero with a message', async () => {
      const resource = await latchkey(env, ['resource', 'create', '--indicator', 'https://api.example.com/reports', '--scope', 'reports:read reports:write']);
      assert.equal(resource.code, 0, resource.stderr);
      assert.match((await latchkey(env, ['resource', 'list'])).stdout, /reports:read reports:write/);
      const job = await latchkey(env, ['client', 'create', '--name', 'Job', '--grant-types', 'client_credentials', '--scope', 'reports:read', '--json']);
      assert.equal(job.code, 0, job.stderr);
      const jwks = join(mkdtempSync(join(tmpdir(), 'latchkey-jwks-')), 'keys.json');
      writeFileSync(jwks, JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'k1' }] }));
      const signed = await latchkey(env, ['client', 'create', '--name', 'Signed job', '--grant-types', 'client_credentials', '--auth-method', 'private_key_jwt', '--jwks-file', jwks, '--json']);
      assert.equal(signed.code, 0, signed.stderr);
      assert.equal((JSON.parse(signed.stdout) as Record<string, unknown>).client_secret, undefined);

      const badGrant = await latchkey(env, ['client', 'create', '--name', 'X', '--grant-types', 'password']);
      assert.notEqual(badGrant.code, 0);
      assert.match(badGrant.stderr, /grant type password is not supported/);
      const badOverlap = await latchkey(env, ['client', 'secret', 'rotate', 'whatever', '--overlap', 'soon']);
      assert.notEqual(badOverlap.code, 0);
      assert.match(badOverlap.stderr, /--overlap/);
      const badEnv = await latchkey({ ...env, PORT: 'abc' }, ['client', 'list']);
      assert.notEqual(badEnv.code, 0);
      assert.match(badEnv.stderr, /PORT/);
    });
  });
}
