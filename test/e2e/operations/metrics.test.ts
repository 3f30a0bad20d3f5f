import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { OpenBackend } from '../../helpers/backends.js';
import { basicAuth } from '../../helpers/client-auth.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { redeem, relyingParty, signIn, startAuthorization, userAgentFor, type TestRp } from '../../helpers/rp.js';
import { startMetricsServer } from '../../../src/ops/metrics-endpoint.js';
import { operationsSuite, sample } from './setup.js';

const TOKEN = 'metrics-scraper-token-0123456789abcdef';

operationsSuite('operations: /metrics', (backend) => {
  let open: OpenBackend;
  let lk: TestLatchkey;
  let rp: TestRp;

  before(async () => {
    open = await backend.open();
    lk = await startLatchkey(open, { LATCHKEY_METRICS_TOKEN: TOKEN, LATCHKEY_LOCKOUT_ATTEMPTS: '4' });
    rp = await relyingParty(lk, await lk.createClient({ name: 'Notes' }));
  });
  after(async () => {
    await lk?.close();
    await open?.close();
  });

  const scrape = async () => {
    const res = await fetch(`${lk.issuer}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    return res.text();
  };

  test('a sign-in, a failed sign-in, a client-credentials token and a 404 move their counters', async () => {
    const alice = await lk.createUser({ email: 'alice@example.com' });
    const machine = await lk.createClient({ name: 'Nightly job', redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'], scope: '' });
    const before = await scrape();

    const ua = userAgentFor(rp);
    const { callback, started } = await signIn(ua, rp, alice);
    await redeem(rp, callback, started);
    // Another browser, without Alice's session.
    const stranger = userAgentFor(rp);
    const page = await stranger.go((await startAuthorization(rp)).url.toString());
    assert.equal((await stranger.submit(page, '/password', { email: alice.email, password: 'not-her-password' })).status, 401);
    const cc = await fetch(`${lk.issuer}/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(machine.clientId, machine.clientSecret!), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    assert.equal(cc.status, 200, await cc.clone().text());
    assert.equal((await fetch(`${lk.issuer}/no-such-page-3f9a`)).status, 404);

    const afterwards = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) => sample(afterwards, name, labels) - sample(before, name, labels);
    assert.equal(moved('latchkey_sign_ins_total', { method: 'password', outcome: 'success' }), 1);
    assert.equal(moved('latchkey_sign_ins_total', { method: 'password', outcome: 'failure' }), 1);
    assert.equal(moved('latchkey_tokens_issued_total', { grant_type: 'authorization_code' }), 1);
    assert.equal(moved('latchkey_tokens_issued_total', { grant_type: 'client_credentials' }), 1);
    assert.equal(moved('latchkey_http_request_duration_seconds_count', { route: 'other', method: 'GET', status: '404' }), 1);
    assert.equal(moved('latchkey_http_request_duration_seconds_count', { route: 'token', method: 'POST', status: '200' }), 2);
    assert.ok(moved('latchkey_http_request_duration_seconds_count', { route: 'interaction', method: 'POST', status: '401' }) >= 1);
    assert.doesNotMatch(afterwards, /no-such-page/, 'a raw path never becomes a label');
    // Collected on scrape, and process metrics beside Latchkey's own.
    assert.match(afterwards, /^latchkey_mail_outbox_queued \d+$/m);
    // The failure watch exists on Redis only (storage/failure-watch.ts).
    if (backend.name.includes('redis')) assert.match(afterwards, /^latchkey_failure_watch_skipping [01]$/m);
    else assert.doesNotMatch(afterwards, /^latchkey_failure_watch_skipping /m);
    assert.match(afterwards, /^process_cpu_user_seconds_total /m);
    assert.match(afterwards, /^nodejs_eventloop_lag_seconds /m);
  });

  test('a lockout counts as a lockout, and the refused attempt after it as a rate-limit refusal', async () => {
    const bob = await lk.createUser({ email: 'bob@example.com' });
    const before = await scrape();
    const ua = userAgentFor(rp);
    const page = await ua.go((await startAuthorization(rp)).url.toString());
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await ua.submit(page, '/password', { email: bob.email, password: `wrong-${i}-password` })).status);
    // A lock looks exactly like a wrong password (it must not tell that the account exists).
    assert.deepEqual(statuses, [401, 401, 401, 401, 401]);
    const afterwards = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) => sample(afterwards, name, labels) - sample(before, name, labels);
    assert.equal(moved('latchkey_lockouts_total'), 1);
    assert.equal(moved('latchkey_sign_ins_total', { method: 'password', outcome: 'locked' }), 1);
    // Four passwords were checked (LATCHKEY_LOCKOUT_ATTEMPTS); the fifth attempt was refused unchecked.
    assert.equal(moved('latchkey_sign_ins_total', { method: 'password', outcome: 'failure' }), 4);
    assert.ok(moved('latchkey_rate_limit_refusals_total', { limiter: 'password-unknown-devices' }) >= 1);
  });

  test('the argon2 queue gauge shows what its owner sets', async () => {
    lk.metrics.argon2Queue.set(3);
    assert.equal(sample(await scrape(), 'latchkey_argon2_queue'), 3);
    lk.metrics.argon2Queue.set(0);
  });

  test('on the main port /metrics needs the bearer token', async () => {
    const missing = await fetch(`${lk.issuer}/metrics`);
    assert.equal(missing.status, 401);
    assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.doesNotMatch(await missing.text(), /latchkey_/);
    const wrong = await fetch(`${lk.issuer}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } });
    assert.equal(wrong.status, 401);
    const basic = await fetch(`${lk.issuer}/metrics`, { headers: { authorization: basicAuth('metrics', TOKEN) } });
    assert.equal(basic.status, 401);
    // Another method gets Latchkey's 405 answer (JSON for a script), naming the ones it takes, and no figures.
    const posted = await fetch(`${lk.issuer}/metrics`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json' } });
    assert.equal(posted.status, 405);
    assert.equal(posted.headers.get('allow'), 'GET, HEAD');
    assert.deepEqual(await posted.json(), { error: 'request.method_not_allowed', message: 'This address does not accept this kind of request.' });
  });

  test('on a separate port /metrics answers there, and the main port has none', async () => {
    const other = await startLatchkey(open, { LATCHKEY_METRICS_PORT: '0' });
    let server: Server | undefined;
    try {
      server = await startMetricsServer(other.metrics, { host: '127.0.0.1', port: other.config.metrics.port!, token: other.config.metrics.token });
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      assert.equal((await fetch(`${other.issuer}/.well-known/openid-configuration`)).status, 200);
      const res = await fetch(`${url}/metrics`);
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.equal(sample(text, 'latchkey_http_request_duration_seconds_count', { route: 'discovery', method: 'GET', status: '200' }), 1, 'its own registry: only its own request');
      assert.equal((await fetch(`${url}/other`)).status, 404);
      assert.equal((await fetch(`${other.issuer}/metrics`)).status, 404, 'not on the main port');
    } finally {
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
      await other.close();
    }
  });
});
