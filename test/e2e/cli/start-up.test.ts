import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, freePorts, latchkey, stderrLines } from './setup.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** Start-up failures: a non-zero exit and one line saying why, never a stack trace or a hang. */
describe('latchkey serve: start-up failures', () => {
  let dir: string;
  let busy: Server;
  let busyPort: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'latchkey-start-'));
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
  });
  after(() => {
    busy.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const oneLine = (run: { code: number; stderr: string }, pattern: RegExp) => {
    assert.notEqual(run.code, 0);
    const lines = stderrLines(run.stderr);
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0]!, pattern);
  };

  test('port in use: one line, and the demo data is not seeded (it waits for the port)', async () => {
    const env = { LATCHKEY_DATA_DIR: join(dir, 'busy'), PORT: String(busyPort), LATCHKEY_LOG_LEVEL: 'silent' };
    oneLine(await latchkey(env, ['serve', '--seed-demo']), new RegExp(`^latchkey: cannot listen on 127\\.0\\.0\\.1:${busyPort}: port ${busyPort} is already in use`));
    const users = await latchkey(env, ['user', 'list', '--json']);
    assert.equal(users.code, 0, users.stderr);
    assert.deepEqual(JSON.parse(users.stdout), []);
    // The metrics port too, naming the variable to change.
    const free = { ...env, PORT: String(await freePort()), LATCHKEY_METRICS_PORT: String(busyPort) };
    oneLine(await latchkey(free, ['serve']), new RegExp(`^latchkey: cannot listen on 127\\.0\\.0\\.1:${busyPort}: port ${busyPort} is already in use \\(set LATCHKEY_METRICS_PORT to another port\\)$`));
  });

  test('a data directory that cannot be used: one line naming LATCHKEY_DATA_DIR', async () => {
    const file = join(dir, 'not-a-directory');
    writeFileSync(file, '');
    oneLine(await latchkey({ LATCHKEY_DATA_DIR: file, LATCHKEY_LOG_LEVEL: 'silent' }, ['client', 'list']), /^latchkey: cannot use the data directory .* \(LATCHKEY_DATA_DIR\): /);
  });

  test('a store command where there is no store: one line saying where it looked, and nothing is created', async () => {
    // The default ./data read from another working directory, as an operator in the wrong directory would.
    const relative = `no-data-here-${randomBytes(4).toString('hex')}`;
    oneLine(
      await latchkey({ LATCHKEY_DATA_DIR: relative, LATCHKEY_LOG_LEVEL: 'silent' }, ['client', 'list']),
      new RegExp(`^latchkey: no data directory at ${join(ROOT, relative).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(LATCHKEY_DATA_DIR=${relative}, from the current directory\\): run this in the directory Latchkey runs in`),
    );
    assert.equal(existsSync(join(ROOT, relative)), false, 'no new store made in the working directory');
    const absolute = join(dir, 'never-started');
    const add = await latchkey({ LATCHKEY_DATA_DIR: absolute, LATCHKEY_LOG_LEVEL: 'silent' }, ['client', 'create', '--name', 'Notes', '--redirect-uri', 'https://notes.example.com/cb']);
    oneLine(add, /^latchkey: no data directory at \S+never-started: .*latchkey migrate makes a new store\)$/);
    assert.equal(existsSync(absolute), false);
    // However the command line is spelled: commander runs `-- user list` as `user list`.
    oneLine(await latchkey({ LATCHKEY_DATA_DIR: absolute, LATCHKEY_LOG_LEVEL: 'silent' }, ['--', 'user', 'list']), /^latchkey: no data directory at \S+never-started: /);
    assert.equal(existsSync(absolute), false);
    // An existing directory with no store in it (a new volume, say) is no store either.
    mkdirSync(absolute);
    oneLine(await latchkey({ LATCHKEY_DATA_DIR: absolute, LATCHKEY_LOG_LEVEL: 'silent' }, ['user', 'list']), /^latchkey: no Latchkey store in \S+never-started: /);
    assert.deepEqual(readdirSync(absolute), [], 'nothing made in it');
    // `latchkey migrate` makes it, and the same command then works.
    assert.equal((await latchkey({ LATCHKEY_DATA_DIR: absolute, LATCHKEY_LOG_LEVEL: 'silent' }, ['migrate'])).code, 0);
    const listed = await latchkey({ LATCHKEY_DATA_DIR: absolute, LATCHKEY_LOG_LEVEL: 'silent' }, ['client', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout), []);
  });

  test('a HOST that is not an address of this machine, an unreachable database, a bad variable: one line each', async () => {
    const base = { LATCHKEY_DATA_DIR: join(dir, 'other'), LATCHKEY_LOG_LEVEL: 'silent' };
    oneLine(await latchkey({ ...base, HOST: '192.0.2.1', PORT: '0' }, ['serve']), /^latchkey: cannot listen on 192\.0\.2\.1:0: HOST 192\.0\.2\.1 is not an address of this machine$/);
    const closed = await freePort();
    const db = { DATABASE_URL: `postgres://latchkey@127.0.0.1:${closed}/latchkey`, LATCHKEY_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') };
    oneLine(await latchkey({ ...base, ...db }, ['serve']), /^latchkey: cannot reach the database \(DATABASE_URL\): connection refused$/);
    oneLine(await latchkey({ ...base, ...db }, ['client', 'list']), /^latchkey: cannot reach the database \(DATABASE_URL\): connection refused$/);
    oneLine(await latchkey({ ...base, PORT: 'eighty' }, ['serve']), /^latchkey: Invalid configuration: PORT: /);
  });

  test('--version prints the package version', async () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const run = await latchkey({}, ['--version']);
    assert.equal(run.code, 0);
    assert.equal(run.stdout.trim(), version);
  });

  test('npm start builds, runs the compiled build (pages and static files found from dist), and SIGTERM to npm stops the server too', async () => {
    const [port, demoPort] = await freePorts(2);
    const issuer = `http://localhost:${port}`;
    const dataDir = join(dir, 'compiled');
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      LATCHKEY_DATA_DIR: dataDir,
      PORT: String(port),
      LATCHKEY_ISSUER: issuer,
      LATCHKEY_DEMO_PORT: String(demoPort),
      LATCHKEY_LOG_LEVEL: 'silent',
    };
    const npm = spawn('npm', ['start', '--silent'], { env, cwd: ROOT });
    const exited = new Promise<number | null>((resolve) => npm.once('exit', resolve));
    let serverPid = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        npm.stdout.on('data', (d: Buffer) => (out += d.toString()).includes('Latchkey is running') && resolve());
        void exited.then((code) => reject(new Error(`npm start exited ${code}`)));
      });
      serverPid = Number(readFileSync(join(dataDir, 'latchkey.pid'), 'utf8'));
      assert.notEqual(serverPid, npm.pid, 'the server is its own process under npm');
      const auth = new URLSearchParams({ client_id: 'latchkey-demo', response_type: 'code', redirect_uri: `http://localhost:${env.LATCHKEY_DEMO_PORT}/callback`, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
      let res = await fetch(`${issuer}/auth?${auth}`, { redirect: 'manual' });
      const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      res = await fetch(new URL(res.headers.get('location')!, issuer), { headers: { cookie } });
      assert.equal(res.status, 200);
      const html = await res.text();
      assert.match(html, /name="password"/);
      const css = html.match(/href="(\/static\/[^"?]+\.css)\?v=/)?.[1];
      assert.ok(css, 'the page links its stylesheet');
      assert.equal((await fetch(`${issuer}${css}`)).status, 200);
    } finally {
      npm.kill('SIGTERM');
      await exited;
    }
    assert.throws(() => process.kill(serverPid, 0), { code: 'ESRCH' }, 'no server left running');
    assert.ok(!existsSync(join(dataDir, 'latchkey.pid')), 'it shut down cleanly');
  });
});
