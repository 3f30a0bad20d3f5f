import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { get } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createAccountsRepo } from '../../../src/accounts/accounts-repo.js';
import { hashPassword } from '../../../src/accounts/passwords.js';
import { createClientRegistry } from '../../../src/clients/registry.js';
import type { Db } from '../../../src/storage/db.js';
import { createPostgresDb } from '../../../src/storage/postgres.js';
import { connectRedis } from '../../../src/storage/redis.js';
import { spawnLatchkey, type LatchkeyProcess } from '../../helpers/latchkey-process.js';
import { freePorts, waitFor } from '../../helpers/own-stores.js';
import { redeem, relyingParty, signIn, userAgentFor } from '../../helpers/rp.js';
import { scratchDatabase } from '../../helpers/scratch-database.js';

const { TEST_DATABASE_URL, TEST_REDIS_URL, CI } = process.env;
if ((!TEST_DATABASE_URL || !TEST_REDIS_URL) && CI === 'true') {
  throw new Error('CI=true but TEST_DATABASE_URL and TEST_REDIS_URL are not both set: cluster mode needs Postgres and Redis');
}

/** The worker processes of a primary, by pid. */
function workersOf(primary: number): number[] {
  try {
    // Node children only: tsx runs an esbuild service beside them.
    return execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(primary)])
      .toString()
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter(([, comm]) => comm === 'node')
      .map(([pid]) => Number(pid));
  } catch {
    return []; // ps exits 1 when there are none
  }
}

/**
 * `latchkey serve --workers 2`: one port, two worker processes (node:cluster) over the
 * same stores; /metrics on the metrics port sums both; a worker that dies is replaced
 * while the other serves; SIGTERM to the primary stops them all.
 */
if (TEST_DATABASE_URL && TEST_REDIS_URL) {
  describe('operations: cluster mode (serve --workers 2)', () => {
    let scratch: { url: string; drop(): Promise<void> };
    let db: Db;
    let server: LatchkeyProcess;
    let issuer: string;
    let metricsUrl: string;
    let dir: string;
    const prefix = `latchkey-cluster:${randomBytes(6).toString('hex')}:`;

    before(async () => {
      scratch = await scratchDatabase(TEST_DATABASE_URL);
      db = createPostgresDb(scratch.url);
      dir = mkdtempSync(join(tmpdir(), 'latchkey-cluster-'));
      const [port, metricsPort] = await freePorts(2);
      issuer = `http://localhost:${port}`;
      metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
      server = await spawnLatchkey(
        {
          DATABASE_URL: scratch.url,
          REDIS_URL: TEST_REDIS_URL,
          LATCHKEY_REDIS_PREFIX: prefix,
          LATCHKEY_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
          LATCHKEY_ISSUER: issuer,
          PORT: String(port),
          LATCHKEY_METRICS_PORT: String(metricsPort),
          LATCHKEY_DATA_DIR: dir,
          LATCHKEY_LOG_LEVEL: 'info',
        },
        { args: ['--workers', '2'] },
      );
    });
    after(async () => {
      await server?.stop();
      await db?.close();
      await scratch?.drop();
      const redis = await connectRedis(TEST_REDIS_URL);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
      rmSync(dir, { recursive: true, force: true });
    });

    /** GET /readyz on a connection of its own. */
    const readyz = () =>
      new Promise<number>((resolve, reject) => {
        const req = get(`${issuer}/readyz`, { agent: false, timeout: 30_000 }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('timeout', () => req.destroy(new Error('no answer from /readyz within 30 s')));
        req.on('error', reject);
      });

    test('two workers serve a sign-in on one port, and /metrics counts both', async () => {
      assert.equal(workersOf(server.child.pid!).length, 2);
      const password = 'correct horse battery staple';
      const user = await createAccountsRepo(db).create({ email: 'alice@example.com', name: 'Alice', passwordHash: await hashPassword(password), emailVerified: true });
      const created = await createClientRegistry(db).create({
        name: 'Notes',
        redirectUris: ['http://localhost:8089/callback'],
        postLogoutRedirectUris: [],
        grantTypes: ['authorization_code'],
        scope: 'openid email profile',
        public: false,
        thirdParty: false,
      });
      const rp = await relyingParty({ issuer }, { clientId: created.clientId, clientSecret: created.clientSecret, redirectUri: 'http://localhost:8089/callback' });
      const ua = userAgentFor(rp);
      const { callback, started } = await signIn(ua, rp, { email: user.email, password });
      assert.equal((await redeem(rp, callback, started)).claims()!.acr, 'pwd');

      const scrape = await (await fetch(metricsUrl)).text();
      assert.match(scrape, /^latchkey_tokens_issued_total\{grant_type="authorization_code"\} 1$/m, 'the token counted once, whichever worker issued it');
      const requests = [...scrape.matchAll(/^latchkey_http_request_duration_seconds_count\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
      assert.ok(requests >= 6, `requests of both workers summed: ${requests}`);
    });

    test('a worker that dies is replaced, and the other serves meanwhile', async () => {
      const [victim, survivor] = workersOf(server.child.pid!);
      process.kill(victim!, 'SIGKILL');
      // Once the primary knows (a connection handed to the dead worker before that is
      // lost with it, as with any crash), new connections go to the other worker.
      await waitFor('the primary noticing', async () => server.output().includes('a worker stopped; starting another'), 120_000);
      assert.equal(await readyz(), 200, 'the other worker answers');
      await waitFor('a replacement worker', async () => {
        const now = workersOf(server.child.pid!);
        return now.length === 2 && now.includes(survivor!) && !now.includes(victim!);
      });
      // The primary shares its output with the workers: a third "listening" is the replacement's.
      await waitFor('the replacement listening', async () => (server.output().match(/"msg":"Latchkey is listening"/g) ?? []).length === 3, 120_000);
      assert.equal(await readyz(), 200);
      assert.equal(await readyz(), 200);
    });

    test('SIGTERM to the primary drains and stops every worker', async () => {
      const workers = workersOf(server.child.pid!);
      const exited = once(server.child, 'exit');
      const since = Date.now();
      server.child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      assert.equal(code, 0, server.output());
      assert.ok(Date.now() - since < 15_000, `stopped within the drain time, not cut off: ${Date.now() - since} ms\n${server.output()}`);
      for (const pid of workers) assert.throws(() => process.kill(pid, 0), 'no worker left behind');
    });
  });
}
