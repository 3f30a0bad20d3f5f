import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ClientInput } from '../../../src/clients/metadata.js';
import type { Db } from '../../../src/storage/db.js';
import { createPostgresDb } from '../../../src/storage/postgres.js';
import { connectRedis } from '../../../src/storage/redis.js';
import { inbox, type Inbox } from '../../helpers/inbox.js';
import { seeders } from '../../helpers/latchkey.js';
import { latchkeyCommand, spawnLatchkey, type LatchkeyProcess } from '../../helpers/latchkey-process.js';
import { waitFor } from '../../helpers/own-stores.js';
import { csrfOf, enrolFirstPasskey, passkeySignIn } from '../../helpers/passkey-http.js';
import { roundRobinProxy, type RoundRobinProxy } from '../../helpers/round-robin-proxy.js';
import { isLoginPage, oidc, redeem, relyingParty, signIn, startAuthorization, tokenEndpoint, userAgentFor, type TestRp } from '../../helpers/rp.js';
import { scratchDatabase } from '../../helpers/scratch-database.js';
import { startSmtp, type TestSmtp } from '../../helpers/smtp.js';
import { UserAgent } from '../../helpers/user-agent.js';

const { TEST_DATABASE_URL, TEST_REDIS_URL, CI } = process.env;
if ((!TEST_DATABASE_URL || !TEST_REDIS_URL) && CI === 'true') {
  throw new Error('CI=true but TEST_DATABASE_URL and TEST_REDIS_URL are not both set: two processes need a shared Postgres and Redis');
}

/**
 * Issue 13 "Horizontal scale": two `latchkey serve` processes over one Postgres database
 * and one Redis key prefix, behind a round-robin proxy, so consecutive requests of every
 * flow land on different processes. Nothing a flow needs may live in one process only:
 * interactions, sessions, challenges, codes, counters and keys are all in the stores.
 */
if (TEST_DATABASE_URL && TEST_REDIS_URL) {
  describe('operations: two Latchkey processes behind a round-robin proxy', () => {
    let scratch: { url: string; drop(): Promise<void> };
    let db: Db;
    let smtp: TestSmtp;
    let mail: Inbox;
    let proxy: RoundRobinProxy;
    let processes: LatchkeyProcess[] = [];
    let issuer: string;
    let env: Record<string, string>;
    let rp: TestRp;
    const dirs: string[] = [];
    const prefix = `latchkey-two:${randomBytes(6).toString('hex')}:`;

    before(async () => {
      scratch = await scratchDatabase(TEST_DATABASE_URL);
      db = createPostgresDb(scratch.url);
      smtp = await startSmtp();
      mail = inbox(smtp);
      proxy = await roundRobinProxy();
      issuer = `http://localhost:${proxy.port}`;
      env = {
        DATABASE_URL: scratch.url,
        REDIS_URL: TEST_REDIS_URL,
        LATCHKEY_REDIS_PREFIX: prefix,
        LATCHKEY_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
        LATCHKEY_ISSUER: issuer,
        // The proxy is on this machine: its X-Forwarded-For names the client.
        LATCHKEY_TRUSTED_PROXIES: '127.0.0.1',
        LATCHKEY_SMTP_URL: smtp.url,
        LATCHKEY_MAIL_FROM: 'Latchkey <no-reply@example.com>',
        LATCHKEY_MAIL_POLL_SECONDS: '1',
        LATCHKEY_LOCKOUT_ATTEMPTS: '4',
        LATCHKEY_RATE_LIMIT_CLIENT_AUTH_FAILURES: '4/300',
      };
      // Both start at once against an empty database: migrations and the first keys are made once.
      processes = await Promise.all(
        [0, 1].map(() => {
          const dir = mkdtempSync(join(tmpdir(), 'latchkey-two-'));
          dirs.push(dir);
          return spawnLatchkey({ ...env, LATCHKEY_DATA_DIR: dir });
        }),
      );
      proxy.upstreams = processes.map((p) => p.url);
      rp = await relyingParty({ issuer }, await createClient({ name: 'Notes' }));
    });
    after(async () => {
      await Promise.allSettled(processes.map((p) => p.stop()));
      await proxy?.close();
      await smtp?.close();
      await db?.close();
      await scratch?.drop();
      const redis = await connectRedis(TEST_REDIS_URL);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    // Seeded straight into the shared database, as an operator's tools would.
    let seed: ReturnType<typeof seeders> | undefined;
    const createUser = () => (seed ??= seeders(db)).createUser();
    const createClient = (input: Partial<ClientInput> = {}) => (seed ??= seeders(db)).createClient(input);

    /** Runs `flow` and checks its requests alternated between the two processes. */
    async function onBoth<T>(what: string, flow: () => Promise<T>): Promise<T> {
      const from = proxy.served.length;
      const result = await flow();
      const served = proxy.served.slice(from);
      assert.ok(served.length >= 2, `${what}: at least two requests`);
      assert.deepEqual(new Set(served.map((s) => s.upstream)), new Set([0, 1]), `${what}: both processes served it`);
      for (let i = 1; i < served.length; i += 1) {
        assert.notEqual(served[i]!.upstream, served[i - 1]!.upstream, `${what}: ${served[i - 1]!.path} then ${served[i]!.path} on one process`);
      }
      return result;
    }

    test('both publish the same signing keys', async () => {
      const [first, second] = await onBoth('JWKS', async () => [await (await fetch(`${issuer}/jwks`)).text(), await (await fetch(`${issuer}/jwks`)).text()]);
      assert.equal(first, second);
      assert.ok((JSON.parse(first!) as { keys: unknown[] }).keys.length >= 1);
    });

    test('password sign-in: authorize → page → form → code → token, one step per process', async () => {
      const user = await createUser();
      const ua = userAgentFor(rp);
      const tokens = await onBoth('password sign-in', async () => {
        const { callback, started } = await signIn(ua, rp, user);
        return redeem(rp, callback, started);
      });
      assert.equal(tokens.claims()!.acr, 'pwd');
      assert.equal(tokens.claims()!.sub, user.id);
      const info = await onBoth('userinfo and introspection', async () => {
        const claims = await oidc.fetchUserInfo(rp.config, tokens.access_token, user.id);
        const active = await oidc.tokenIntrospection(rp.config, tokens.access_token);
        return { claims, active };
      });
      assert.equal(info.claims.email, user.email);
      assert.equal(info.active.active, true);
    });

    test('passkeys: the first one enrolled with the mailed code, then sign-in with it, and a step-up to phr', async () => {
      const user = await createUser();
      const ua = userAgentFor(rp);
      const { authenticator } = await onBoth('passkey enrolment', async () => {
        const started = await startAuthorization(rp);
        const page = await ua.go(started.url.toString());
        const offer = await ua.submit(page, '/password', { email: user.email, password: user.password });
        const enrolled = await enrolFirstPasskey(ua, offer, { issuer, accountId: user.id, email: user.email, mail });
        assert.equal(enrolled.end?.status, 0, 'back at the app');
        await redeem(rp, new URL(enrolled.end!.url), started);
        return enrolled;
      });

      const signedIn = await onBoth('passkey sign-in', async () => {
        const other = userAgentFor(rp);
        const { callback, started } = await passkeySignIn(other, rp, authenticator, issuer, { acr_values: 'phr' });
        return redeem(rp, callback, started);
      });
      assert.equal(signedIn.claims()!.acr, 'phr');

      // Step-up: a password session asked for phr gets the passkey prompt only.
      const third = userAgentFor(rp);
      await signIn(third, rp, user);
      const stepped = await onBoth('step-up', async () => {
        const started = await startAuthorization(rp, { acr_values: 'phr' });
        const page = await third.go(started.url.toString());
        assert.ok(!isLoginPage(page), 'no password asked again');
        assert.match(page.html, /id="passkey-step-up"/);
        const options = await third.postJson(`${page.url}/step-up/options`, {}, { 'x-csrf-token': csrfOf(page) });
        assert.equal(options.status, 200, JSON.stringify(options.body));
        const verify = await third.postJson(
          `${page.url}/step-up/verify`,
          { credential: authenticator.assert((options.body as { challenge: string }).challenge) },
          { 'x-csrf-token': csrfOf(page) },
        );
        assert.equal(verify.status, 200, JSON.stringify(verify.body));
        const callback = await third.go(new URL((verify.body as { redirect: string }).redirect, issuer).toString());
        return redeem(rp, new URL(callback.url), started);
      });
      assert.equal(stepped.claims()!.acr, 'phr');
      assert.deepEqual(stepped.claims()!.amr, ['pwd', 'swk', 'mfa']);
    });

    test('refresh tokens rotate across processes, and logout on one ends the session on both', async () => {
      const user = await createUser();
      const ua = new UserAgent((u) => u.origin === 'http://localhost:8089');
      const { callback, started } = await signIn(ua, rp, user, { scope: 'openid offline_access', prompt: 'consent' });
      const tokens = await redeem(rp, callback, started);
      const second = await onBoth('refresh', async () => {
        const one = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!);
        return oidc.refreshTokenGrant(rp.config, one.refresh_token!);
      });
      assert.ok(second.access_token);
      await assert.rejects(oidc.refreshTokenGrant(rp.config, tokens.refresh_token!), (err: { error?: string }) => err.error === 'invalid_grant', 'reuse is caught on either process');

      await onBoth('logout', async () => {
        const endUrl = oidc.buildEndSessionUrl(rp.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://localhost:8089/signed-out', state: 'bye' });
        const confirm = await ua.go(endUrl.toString());
        assert.match(confirm.html, /Sign out\?/);
        const done = await ua.submit(confirm, '/session/end/confirm', {}, { name: 'logout', value: 'yes' });
        assert.equal(new URL(done.url).pathname, '/signed-out');
      });
      for (let i = 0; i < 2; i += 1) {
        const check = await startAuthorization(rp, { prompt: 'none' });
        const back = await ua.go(check.url.toString());
        assert.equal(new URL(back.url).searchParams.get('error'), 'login_required', 'signed out on both processes');
      }
    });

    test('failed sign-ins split across both processes lock the account; failed client secrets likewise', async () => {
      const user = await createUser();
      const ua = userAgentFor(rp);
      const page = await ua.go((await startAuthorization(rp)).url.toString());
      await onBoth('failures', async () => {
        for (let i = 0; i < 4; i += 1) {
          const wrong = await ua.submit(page, '/password', { email: user.email, password: `wrong-${i}-password` });
          assert.equal(wrong.status, 401);
        }
      });
      for (let i = 0; i < 2; i += 1) {
        const locked = await ua.submit(page, '/password', { email: user.email, password: user.password });
        assert.equal(locked.status, 401, 'locked on both processes: the four failures were counted together');
      }

      const job = await createClient({ name: 'Nightly job', grantTypes: ['client_credentials'], redirectUris: [], postLogoutRedirectUris: [] });
      await onBoth('client secret failures', async () => {
        for (let i = 0; i < 4; i += 1) {
          const wrong = await tokenEndpoint({ issuer }, { grant_type: 'client_credentials' }, { id: job.clientId, secret: `wrong-${i}` });
          assert.equal(wrong.status, 401);
        }
      });
      for (let i = 0; i < 2; i += 1) {
        const blocked = await tokenEndpoint({ issuer }, { grant_type: 'client_credentials' }, { id: job.clientId, secret: job.clientSecret! });
        assert.equal(blocked.status, 429, 'blocked on both processes');
      }
    });

    test('an operator\'s change made with the CLI is seen by both processes', async () => {
      const cli = { ...env, LATCHKEY_DATA_DIR: dirs[0]! };
      // A new redirect URI for the app: both processes accept it (clients are cached LATCHKEY_CLIENT_CACHE_SECONDS, 5 s by default).
      const client = await createClient({ name: 'Wiki' });
      const wiki = await relyingParty({ issuer }, client);
      const moved = 'http://localhost:8089/moved';
      const updated = await latchkeyCommand(cli, ['client', 'update', client.clientId, '--redirect-uri', moved]);
      assert.equal(updated.code, 0, updated.stderr);
      const accepted = async () => {
        const started = await startAuthorization({ ...wiki, redirectUri: moved });
        const res = await fetch(started.url, { redirect: 'manual' });
        await res.arrayBuffer();
        return res.status === 303 && new URL(res.headers.get('location')!, issuer).pathname.startsWith('/interaction/');
      };
      const since = Date.now();
      await waitFor('the new redirect URI on both processes', async () => (await accepted()) && (await accepted()), 30_000);
      assert.ok(Date.now() - since < 20_000, 'within the client cache time');

      // A disabled account: its refresh token and its password stop working on both at once.
      const user = await createUser();
      const ua = userAgentFor(rp);
      const { callback, started } = await signIn(ua, rp, user, { scope: 'openid offline_access', prompt: 'consent' });
      const tokens = await redeem(rp, callback, started);
      const disabled = await latchkeyCommand(cli, ['user', 'disable', user.email]);
      assert.equal(disabled.code, 0, disabled.stderr);
      await assert.rejects(oidc.refreshTokenGrant(rp.config, tokens.refresh_token!), (err: { error?: string }) => err.error === 'invalid_grant');
      for (let i = 0; i < 2; i += 1) {
        const fresh = userAgentFor(rp);
        const page = await fresh.go((await startAuthorization(rp)).url.toString());
        const refused = await fresh.submit(page, '/password', { email: user.email, password: user.password });
        assert.equal(refused.status, 401, 'no sign-in on either process');
      }
    });
  });
}
