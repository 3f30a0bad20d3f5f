import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { createAdapters, type Adapters } from '../../src/adapters/index.js';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { accountReadAlong, createAccountsRepo } from '../../src/accounts/accounts-repo.js';
import { createFindAccount } from '../../src/provider/find-account.js';

/**
 * The oidc-provider adapter contract, run against every backend: durable models in
 * SQL, ephemeral ones in memory or Redis (DESIGN.md "Storage").
 */
const DURABLE = ['Session', 'Grant', 'RefreshToken'];
const EPHEMERAL = ['AuthorizationCode', 'AccessToken', 'Interaction'];

for (const backend of backends()) {
  describe(`adapter contract (${backend.name})`, () => {
    let open: OpenBackend;
    let adapters: Adapters;
    let n = 0;
    const id = () => `id-${Date.now()}-${(n += 1)}-secretvalue`;

    before(async () => {
      open = await backend.open();
      adapters = createAdapters(open.db, open.ephemeral);
    });
    after(async () => open?.close());

    for (const model of [...DURABLE, ...EPHEMERAL]) {
      test(`${model}: upsert, find, overwrite, destroy`, async () => {
        const adapter = adapters.factory(model);
        const key = id();
        assert.equal(await adapter.find(key), undefined);
        await adapter.upsert(key, { jti: key, kind: model, accountId: 'acc-1', grantId: 'g-1', exp: 9 }, 60);
        assert.deepEqual(await adapter.find(key), { jti: key, kind: model, accountId: 'acc-1', grantId: 'g-1', exp: 9 });
        await adapter.upsert(key, { jti: key, kind: model, accountId: 'acc-2' }, 60);
        assert.equal((await adapter.find(key))?.accountId, 'acc-2');
        await adapter.destroy(key);
        assert.equal(await adapter.find(key), undefined);
      });

      test(`${model}: 20 parallel consumes of one id, exactly one succeeds`, async () => {
        const adapter = adapters.factory(model);
        const key = id();
        await adapter.upsert(key, { jti: key, kind: model }, 60);
        const results = await Promise.allSettled(Array.from({ length: 20 }, () => adapter.consume(key)));
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        for (const r of results.filter((x): x is PromiseRejectedResult => x.status === 'rejected')) {
          assert.equal((r.reason as { error?: string }).error, 'invalid_grant');
        }
        assert.equal(typeof (await adapter.find(key))?.consumed, 'number');
      });

      test(`${model}: revokeByGrantId removes that grant's entries only`, async () => {
        const adapter = adapters.factory(model);
        const [a, b, c] = [id(), id(), id()];
        const grant = `grant-${a}`;
        await adapter.upsert(a, { jti: a, grantId: grant }, 60);
        await adapter.upsert(b, { jti: b, grantId: grant }, 60);
        await adapter.upsert(c, { jti: c, grantId: `other-${c}` }, 60);
        await adapter.revokeByGrantId(grant);
        assert.equal(await adapter.find(a), undefined);
        assert.equal(await adapter.find(b), undefined);
        assert.ok(await adapter.find(c));
      });
    }

    test('expired entries are not found, and the sweep deletes durable ones', async () => {
      const durable = adapters.factory('RefreshToken');
      const ephemeral = adapters.factory('AuthorizationCode');
      const [d, e] = [id(), id()];
      await durable.upsert(d, { jti: d }, 1);
      await ephemeral.upsert(e, { jti: e }, 1);
      await sleep(1300);
      assert.equal(await durable.find(d), undefined);
      assert.equal(await ephemeral.find(e), undefined);
      assert.ok((await adapters.sweep()) >= 1);
      const { rows } = await open.db.query('SELECT 1 FROM oidc_models WHERE expires_at <= now()');
      assert.equal(rows.length, 0);
    });

    test('kv: a value is taken once, within its namespace only', async () => {
      const [a, b] = [open.ephemeral.kv(`a-${id()}`), open.ephemeral.kv(`b-${id()}`)];
      const key = id();
      assert.equal(await a.take(key), undefined);
      await a.put(key, 'challenge-a', 60);
      await b.put(key, 'challenge-b', 60);
      assert.equal(await a.take(key), 'challenge-a');
      assert.equal(await a.take(key), undefined, 'single use');
      assert.equal(await b.take(key), 'challenge-b', 'namespaces do not share keys');
      await a.put(key, 'first', 60);
      await a.put(key, 'second', 60);
      assert.equal(await a.take(key), 'second', 'a put replaces the value');
    });

    test('kv: 20 parallel takes of one value, exactly one gets it', async () => {
      const kv = open.ephemeral.kv('race');
      const key = id();
      await kv.put(key, 'once', 60);
      const taken = await Promise.all(Array.from({ length: 20 }, () => kv.take(key)));
      assert.deepEqual(taken.filter((v) => v !== undefined), ['once']);
    });

    test('kv: 20 parallel claims of one key, exactly one gets it; it stays claimed', async () => {
      const kv = open.ephemeral.kv('claims');
      const key = id();
      const claimed = await Promise.all(Array.from({ length: 20 }, () => kv.claim(key, 60)));
      assert.equal(claimed.filter(Boolean).length, 1);
      assert.equal(await kv.claim(key, 60), false, 'a seen key stays seen');
      assert.equal(await open.ephemeral.kv('other-claims').claim(key, 60), true, 'namespaces do not share keys');
    });

    test('kv: get reads without consuming; take consumes', async () => {
      const kv = open.ephemeral.kv('reads');
      const key = id();
      assert.equal(await kv.get(key), undefined);
      await kv.put(key, 'v', 60);
      assert.equal(await kv.get(key), 'v');
      assert.equal(await kv.get(key), 'v');
      assert.equal(await kv.take(key), 'v');
      assert.equal(await kv.get(key), undefined);
    });

    test('expired kv values and models are gone; the ephemeral sweep keeps live ones', async () => {
      const kv = open.ephemeral.kv('expiry');
      const codes = open.ephemeral.adapterFor('AuthorizationCode');
      const [gone, kept, goneCode, keptCode] = [id(), id(), id(), id()];
      await kv.put(gone, 'short', 1);
      await kv.put(kept, 'long', 60);
      await codes.upsert(goneCode, { jti: goneCode, grantId: `g-${goneCode}` }, 1);
      await codes.upsert(keptCode, { jti: keptCode, grantId: `g-${keptCode}` }, 60);
      await sleep(1300);
      const removed = await open.ephemeral.sweep();
      assert.ok(Number.isInteger(removed) && removed >= 0, `sweep returns a count (${removed})`);
      assert.equal(await kv.take(gone), undefined);
      assert.equal(await codes.find(goneCode), undefined);
      assert.equal(await kv.take(kept), 'long', 'the sweep leaves live values');
      assert.equal((await codes.find(keptCode))?.jti, keptCode, 'the sweep leaves live models');
      await codes.revokeByGrantId(`g-${keptCode}`);
      assert.equal(await codes.find(keptCode), undefined, 'the grant index survives the sweep');
    });

    test('failure limiter: counts failures, blocks past the allowance, resets', async () => {
      const limiter = open.ephemeral.failureLimiter({ name: `contract-${id()}`, points: 2, durationSeconds: 60, blockSeconds: 120 });
      const other = open.ephemeral.failureLimiter({ name: `other-${id()}`, points: 2, durationSeconds: 60, blockSeconds: 120 });
      const key = 'someone';
      assert.deepEqual(await limiter.check(key), { blockedFor: 0, failures: false });
      assert.deepEqual(await limiter.fail(key), { failures: 1, blockedFor: 0, overLimit: false });
      assert.deepEqual(await limiter.check(key), { blockedFor: 0, failures: true });
      assert.deepEqual(await limiter.fail(key), { failures: 2, blockedFor: 120, overLimit: false }, 'the last allowed failure says how long the block is');
      const spent = await limiter.check(key);
      assert.ok(spent.failures && spent.blockedFor > 0 && spent.blockedFor <= 60, `blocked for the rest of the window (${spent.blockedFor})`);
      assert.deepEqual(await limiter.fail(key), { failures: 3, blockedFor: 120, overLimit: true }, 'past the allowance: the attempt must not be made');
      const blocked = await limiter.check(key);
      assert.ok(blocked.blockedFor > 60 && blocked.blockedFor <= 120, `blocked for blockSeconds (${blocked.blockedFor})`);
      assert.deepEqual(await other.check(key), { blockedFor: 0, failures: false }, 'limiters with other names count apart');
      await limiter.reset(key);
      assert.deepEqual(await limiter.check(key), { blockedFor: 0, failures: false });
    });

    test('a refresh token id looked up before it exists is found once it is saved', async () => {
      const tokens = adapters.factory('RefreshToken');
      const key = id();
      assert.equal(await tokens.find(key), undefined);
      await tokens.upsert(key, { jti: key, grantId: 'g' }, 60);
      assert.equal((await tokens.find(key))?.jti, key);
    });

    test('within one request a refresh token brings its grant along: the grant lookup needs no statement of its own', async () => {
      let request: object | undefined = {};
      let statements = 0;
      const counted = { ...open.db, query: ((text: string, params?: unknown[]) => ((statements += 1), open.db.query(text, params))) as typeof open.db.query };
      const inRequest = createAdapters(counted, open.ephemeral, {}, { currentRequest: () => request });
      const [tokens, grants] = [inRequest.factory('RefreshToken'), inRequest.factory('Grant')];
      const [token, grant] = [id(), id()];
      await grants.upsert(grant, { jti: grant, kind: 'Grant', accountId: 'acc-1', clientId: 'client-1' }, 60);
      await tokens.upsert(token, { jti: token, kind: 'RefreshToken', grantId: grant }, 60);

      statements = 0;
      assert.equal((await tokens.find(token))?.grantId, grant);
      assert.deepEqual(await grants.find(grant), { jti: grant, kind: 'Grant', accountId: 'acc-1', clientId: 'client-1' });
      assert.equal(statements, 1, 'token and grant in one statement');
      // Served once: the next lookup reads the store again.
      assert.equal((await grants.find(grant))?.accountId, 'acc-1');
      assert.equal(statements, 2);

      // A grant written or removed in the request is never answered from what was read before.
      await tokens.find(token);
      await grants.destroy(grant);
      assert.equal(await grants.find(grant), undefined);
      await tokens.find(token);
      await grants.upsert(grant, { jti: grant, kind: 'Grant', accountId: 'acc-2' }, 60);
      assert.equal((await grants.find(grant))?.accountId, 'acc-2');

      // A token whose grant is gone says so without another statement.
      await grants.destroy(grant);
      await tokens.find(token);
      statements = 0;
      assert.equal(await grants.find(grant), undefined);
      assert.equal(statements, 0);

      // What one request read is not another's; outside a request nothing is read ahead.
      await grants.upsert(grant, { jti: grant, kind: 'Grant', accountId: 'acc-3' }, 60);
      await tokens.find(token);
      request = {};
      statements = 0;
      assert.equal((await grants.find(grant))?.accountId, 'acc-3');
      assert.equal(statements, 1);
      request = undefined;
      await tokens.find(token);
      statements = 0;
      assert.equal((await grants.find(grant))?.accountId, 'acc-3');
      assert.equal(statements, 1);
    });

    test('within one request a refresh token brings its account along, as findAccount would read it: a disabled one is not found', async () => {
      const request = {};
      let statements = 0;
      const counted = { ...open.db, query: ((text: string, params?: unknown[]) => ((statements += 1), open.db.query(text, params))) as typeof open.db.query };
      const inRequest = createAdapters(counted, open.ephemeral, {}, { currentRequest: () => request, readAlong: [accountReadAlong] });
      const accounts = createAccountsRepo(counted);
      const account = await accounts.create({ email: `alice-${id()}@example.com`, name: 'Alice Example', passwordHash: null });
      const findAccount = createFindAccount(accounts, inRequest.readAhead);
      const tokens = inRequest.factory('RefreshToken');
      const token = id();
      await tokens.upsert(token, { jti: token, kind: 'RefreshToken', grantId: `grant-${token}`, accountId: account.id }, 60);

      await tokens.find(token);
      statements = 0;
      const found = await findAccount({} as never, account.id);
      assert.equal(found?.accountId, account.id);
      assert.equal(((await found!.claims('id_token', 'openid email', {}, [])) as { email?: string }).email, account.email);
      assert.equal(statements, 0, 'the account came with the token');

      await accounts.setDisabled(account.id, new Date());
      await tokens.find(token);
      statements = 0;
      assert.equal(await findAccount({} as never, account.id), undefined);
      assert.equal(statements, 0);
      // Served once: the next lookup reads the store (and still finds no enabled account).
      assert.equal(await findAccount({} as never, account.id), undefined);
      assert.equal(statements, 1);
    });

    test('sessions are found by uid', async () => {
      const sessions = adapters.factory('Session');
      const key = id();
      await sessions.upsert(key, { jti: key, uid: `uid-${key}`, accountId: 'acc-9' }, 60);
      assert.equal((await sessions.findByUid!(`uid-${key}`))?.accountId, 'acc-9');
      assert.equal(await sessions.findByUid!('no-such-uid'), undefined);
    });

    test('ids are stored hashed: no plain token id anywhere in the stores', async () => {
      const secret = id();
      for (const model of [...DURABLE, ...EPHEMERAL]) await adapters.factory(model).upsert(`${secret}-${model}`, { jti: `${secret}-${model}`, grantId: 'g' }, 60);
      // grant_id is left out: a grant's id is no credential, every token row names its grant
      // there, and a grant's own row does too (so revoking a grant finds its tokens).
      const rows = (await open.db.query<Record<string, unknown>>('SELECT * FROM oidc_models')).rows.map(({ grant_id: _grantId, ...rest }) => rest);
      assert.ok(!JSON.stringify(rows).includes(secret), 'the SQL table holds no id');
      const redis = open.redis;
      if (redis) {
        const keys = await redis.keys(`${open.redisPrefix}*`);
        assert.ok(keys.length > 0);
        assert.ok(!keys.some((k) => k.includes(secret)), 'no Redis key holds an id');
        for (const k of keys) {
          const type = await redis.type(k);
          const value = type === 'hash' ? JSON.stringify(await redis.hgetall(k)) : type === 'set' ? JSON.stringify(await redis.smembers(k)) : String(await redis.get(k));
          assert.ok(!value.includes(secret), `no Redis value holds an id (${k})`);
        }
      }
    });
  });
}

for (const backend of backends()) {
  test(`audit events older than the retention are pruned (${backend.name})`, async () => {
    const open = await backend.open();
    try {
      const audit = createAuditLog(open.db);
      await audit.record({ type: 'login.failed', accountId: 'old' });
      await audit.record({ type: 'login.failed', accountId: 'new' });
      await open.db.query("UPDATE audit_events SET at = now() - interval '400 days' WHERE account_id = 'old'");
      assert.equal(await audit.prune(365), 1);
      assert.deepEqual((await audit.list()).map((e) => e.accountId), ['new']);
    } finally {
      await open.close();
    }
  });
}
