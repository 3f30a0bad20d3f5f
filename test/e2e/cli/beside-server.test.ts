import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { basicAuth } from '../../helpers/client-auth.js';
import { UserAgent, type Page } from '../../helpers/user-agent.js';
import { handOver } from '../../../src/cli/socket-client.js';
import { freePort, latchkey, startServer, stderrLines, type RunningServer } from './setup.js';

const SIGN_IN_FAILED = 'The email address or password is not right.';

/**
 * Embedded storage is single-process: while Latchkey runs, the CLI hands its commands to
 * it over the data directory's socket. One running server serves the whole file.
 */
describe('latchkey beside a running embedded Latchkey', () => {
  let dir: string;
  let env: Record<string, string>;
  let issuer: string;
  let demoPort: number;
  let demoBlocker: Server;
  let server: RunningServer;

  before(async () => {
    dir = join(mkdtempSync(join(tmpdir(), 'latchkey-beside-')), 'data');
    const port = await freePort();
    issuer = `http://localhost:${port}`;
    // The demo app's port is taken: Latchkey must run regardless.
    demoBlocker = createServer();
    await new Promise<void>((resolve) => demoBlocker.listen(0, '127.0.0.1', resolve));
    demoPort = (demoBlocker.address() as { port: number }).port;
    env = { LATCHKEY_DATA_DIR: dir, PORT: String(port), LATCHKEY_ISSUER: issuer, LATCHKEY_LOG_LEVEL: 'warn', LATCHKEY_LOCKOUT_ATTEMPTS: '3' };
    server = await startServer(env, ['serve', '--seed-demo', '--demo-rp', '--demo-port', String(demoPort)], (_out, err) => err.includes('demo app'));
  });

  after(async () => {
    await server?.stop();
    demoBlocker?.close();
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  const pkce = () => {
    const verifier = randomBytes(32).toString('base64url');
    return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
  };
  const redirectUri = () => `http://localhost:${demoPort}/callback`;
  const authorizeUrl = () =>
    `${issuer}/auth?${new URLSearchParams({
      client_id: 'latchkey-demo',
      response_type: 'code',
      redirect_uri: redirectUri(),
      scope: 'openid email',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
      state: randomBytes(8).toString('hex'),
    })}`;
  const userAgent = () => new UserAgent((u) => u.href.startsWith(redirectUri()));
  const isLogin = (page: Page) => page.status === 200 && page.html.includes('name="password"');
  const signIn = async (ua: UserAgent, email: string, password: string) => {
    const page = await ua.go(authorizeUrl());
    assert.ok(isLogin(page), `login page, got ${page.status}`);
    const next = await ua.submit(page, '/password', { email, password });
    return next.html.includes('/enrol/skip"') ? ua.submit(next, '/enrol/skip') : next;
  };

  test('a busy demo port is one warning line and Latchkey runs; the socket is owner-only; a second server is refused in one line', async () => {
    assert.match(server.stderr(), /^latchkey: warning: the demo app did not start \(port \d+ is in use/m);
    assert.equal((await fetch(`${issuer}/readyz`)).status, 200);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, 'latchkey.sock')).mode & 0o777, 0o600);

    const second = await latchkey({ ...env, PORT: String(await freePort()) }, ['serve']);
    assert.notEqual(second.code, 0);
    const lines = stderrLines(second.stderr);
    assert.equal(lines.length, 1, second.stderr);
    assert.match(lines[0]!, /^latchkey: Latchkey \(pid \d+\) is using the embedded store in .*: stop it first/);
  });

  test('a client registered while Latchkey runs works at once, and a sign-in in progress is not lost', async () => {
    const ua = userAgent();
    const login = await ua.go(authorizeUrl());
    assert.ok(isLogin(login), 'a sign-in is in progress');

    const job = await latchkey(env, ['client', 'create', '--name', 'Nightly job', '--grant-types', 'client_credentials', '--json']);
    assert.equal(job.code, 0, job.stderr);
    const { client_id, client_secret } = JSON.parse(job.stdout) as { client_id: string; client_secret: string };
    const token = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(client_id, client_secret), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    assert.equal(token.status, 200);
    assert.equal(((await token.json()) as { token_type: string }).token_type, 'Bearer');

    // The password comes from stdin here and travels with the command to the server.
    const carol = await latchkey(env, ['user', 'create', '--email', 'carol@example.com', '--name', 'Carol', '--json'], 'carol correct horse\n');
    assert.equal(carol.code, 0, carol.stderr);
    const done = await ua.submit(login, '/password', { email: 'carol@example.com', password: 'carol correct horse' });
    const landed = done.html.includes('/enrol/skip"') ? await ua.submit(done, '/enrol/skip') : done;
    assert.equal(landed.status, 0, 'back at the app');
    assert.ok(new URL(landed.url).searchParams.get('code'), 'with a code');
  });

  test('user disable ends sessions and refuses sign-in like a wrong password; enable, unlock and set-password work while running', async () => {
    const ua = userAgent();
    assert.equal((await signIn(ua, 'carol@example.com', 'carol correct horse')).status, 0);

    const disabled = await latchkey(env, ['user', 'disable', 'CAROL@example.com', '--json']);
    assert.equal(disabled.code, 0, disabled.stderr);
    assert.equal((JSON.parse(disabled.stdout) as { done: string }).done, 'disable');
    assert.ok(isLogin(await ua.go(authorizeUrl())), 'the session ended');
    const refused = await signIn(userAgent(), 'carol@example.com', 'carol correct horse');
    assert.equal(refused.status, 401);
    assert.ok(refused.html.includes(SIGN_IN_FAILED));
    const shown = JSON.parse((await latchkey(env, ['user', 'show', 'carol@example.com', '--json'])).stdout) as { disabled_at: string | null };
    assert.ok(shown.disabled_at);
    assert.equal((await latchkey(env, ['user', 'enable', 'carol@example.com'])).code, 0);

    // Locked out by wrong passwords (LATCHKEY_LOCKOUT_ATTEMPTS=3), then unlocked by the operator.
    for (let i = 0; i < 3; i += 1) await signIn(userAgent(), 'carol@example.com', 'wrong password');
    // A lock looks like a wrong password: the right one is refused the same way.
    const whileLocked = await signIn(userAgent(), 'carol@example.com', 'carol correct horse');
    assert.equal(whileLocked.status, 401);
    assert.ok(whileLocked.html.includes(SIGN_IN_FAILED));
    const unlocked = await latchkey(env, ['user', 'unlock', 'carol@example.com']);
    assert.equal(unlocked.code, 0, unlocked.stderr);
    assert.equal((await signIn(userAgent(), 'carol@example.com', 'carol correct horse')).status, 0);

    const set = await latchkey(env, ['user', 'set-password', 'carol@example.com'], 'a brand new passphrase\n');
    assert.equal(set.code, 0, set.stderr);
    assert.equal((await signIn(userAgent(), 'carol@example.com', 'a brand new passphrase')).status, 0);
  });

  test('serve and migrate are never run for a caller of the socket; errors come back with their exit code', async () => {
    const socket = join(dir, 'latchkey.sock');
    for (const command of ['serve', 'migrate']) {
      const reply = await handOver(socket, [command], undefined);
      assert.equal(reply?.code, 2);
      assert.match(reply!.stderr, new RegExp(`^latchkey: ${command} cannot run while Latchkey is running`));
    }
    const missing = await latchkey(env, ['client', 'show', 'no-such-client']);
    assert.equal(missing.code, 1);
    assert.deepEqual(stderrLines(missing.stderr), ['latchkey: no client with id no-such-client']);
  });

  test('SIGTERM stops it cleanly: exit 0, the socket and the lock are gone, and the CLI works on the store itself', { timeout: 20_000 }, async () => {
    // A caller that connected and never finished its request holds nothing up: it is
    // dropped at once, not after its idle timeout (the test's own timeout is the guard).
    const silent = connect(join(dir, 'latchkey.sock'));
    await once(silent, 'connect');
    silent.write('{');
    const dropped = once(silent, 'close');
    assert.equal(await server.stop('SIGTERM'), 0);
    await dropped;
    assert.ok(!existsSync(join(dir, 'latchkey.sock')));
    assert.ok(!existsSync(join(dir, 'latchkey.pid')));
    const listed = await latchkey(env, ['user', 'list']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /carol@example\.com/);
  });
});
