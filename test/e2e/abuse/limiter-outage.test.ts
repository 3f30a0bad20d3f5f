import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backends, type OpenBackend } from '../../helpers/backends.js';
import { basicAuth } from '../../helpers/client-auth.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { ownRedis, type OwnStore } from '../../helpers/own-stores.js';
import { relyingParty, startAuthorization, type TestRp } from '../../helpers/rp.js';
import type { EphemeralStore } from '../../../src/storage/ephemeral-store.js';
import { connectRedis, createRedisStore } from '../../../src/storage/redis.js';
import { abuseSuiteName, csrfOf, userAgentWith } from './setup.js';

/**
 * The limiters' Redis goes away while everything else keeps working (interactions in
 * memory): every limited route refuses — a readable 503 page, JSON for scripts, an
 * OAuth error body on protocol endpoints — and never lets a request through uncounted.
 */
describe(abuseSuiteName('abuse: the limiter store unreachable fails closed'), () => {
  const INITIAL = 'iat-0123456789abcdef0123456789abcdef';
  let open: OpenBackend;
  let redis: OwnStore;
  let limiterStore: EphemeralStore;
  let lk: TestLatchkey;
  let rp: TestRp;

  before(async () => {
    open = await backends()[0]!.open();
    redis = await ownRedis();
    limiterStore = createRedisStore(await connectRedis(redis.url), { prefix: 'latchkey-outage:' });
    // Memory for interactions and sessions, the own Redis for every counter.
    const ephemeral: EphemeralStore = {
      ...open.ephemeral,
      rateLimiter: (options) => limiterStore.rateLimiter(options),
      failureLimiter: (options) => limiterStore.failureLimiter(options),
    };
    lk = await startLatchkey({ ...open, ephemeral }, { LATCHKEY_INITIAL_ACCESS_TOKEN: INITIAL });
    rp = await relyingParty(lk, await lk.createClient({ name: 'Notes' }));
  });
  after(async () => {
    await lk?.close();
    await limiterStore?.close();
    await redis?.close();
    await open?.close();
  });

  test('with the limiters\' Redis stopped, sign-in, passkey, token and registration requests are refused, never let through', async () => {
    const user = await lk.createUser();
    const client = await lk.createClient({ name: 'Job', grantTypes: ['client_credentials'], redirectUris: [] });
    const ua = userAgentWith(rp, () => ({}));
    const page = await ua.go((await startAuthorization(rp)).url.toString());
    const wrong = await ua.submit(page, '/password', { email: user.email, password: 'not the password' });
    assert.equal(wrong.status, 401, 'with Redis up the limiters count and let requests through');

    await redis.kill();

    let last = new Headers();
    const watched = userAgentWith(rp, () => ({}), (h) => (last = h));
    const again = await watched.go((await startAuthorization(rp)).url.toString());
    assert.equal(again.status, 200, 'the sign-in page itself needs no limiter');
    const refused = await watched.submit(again, '/password', { email: user.email, password: user.password });
    assert.equal(refused.status, 503);
    assert.equal(refused.url.includes('/interaction/'), true, 'no redirect out of the sign-in');
    assert.match(refused.html, /<title>Latchkey is busy · Latchkey<\/title>/);
    assert.match(refused.html, /Nothing was changed; try again in a minute\./);
    assert.ok(Number(last.get('retry-after')) > 0);

    const json = await watched.postJson(`${again.url}/passkey-sign-in/options`, {}, { 'x-csrf-token': csrfOf(again.html) });
    assert.equal(json.status, 503);
    assert.equal((json.body as { error: string }).error, 'server.busy');
    assert.ok(!('challenge' in (json.body as object)), 'no passkey options');

    const token = await fetch(`${lk.issuer}/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(client.clientId, client.clientSecret!), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    assert.equal(token.status, 503, 'the right secret gets no token while failures cannot be checked');
    assert.equal(((await token.json()) as { error: string }).error, 'temporarily_unavailable');

    const registration = await fetch(`${lk.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${INITIAL}` },
      body: JSON.stringify({ client_name: 'Partner sync', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] }),
    });
    assert.equal(registration.status, 503);
    assert.ok(Number(registration.headers.get('retry-after')) > 0);
    assert.equal(((await registration.json()) as { error: string }).error, 'temporarily_unavailable');
  });
});
