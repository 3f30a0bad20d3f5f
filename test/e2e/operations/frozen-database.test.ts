import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { openOwnBackend, ownPostgres, ownRedis, waitFor, type OwnStore } from '../../helpers/own-stores.js';
import { redeem, relyingParty, signIn, startAuthorization, submitPassword, tokenEndpoint, userAgentFor, type TestRp } from '../../helpers/rp.js';
import type { OpenBackend } from '../../helpers/backends.js';
import { createTraps } from '../../helpers/store-traps.js';

// Small, so the refusals come quickly; production's default is LATCHKEY_DB_QUERY_TIMEOUT_MS.
const QUERY_TIMEOUT_MS = 1000;

/**
 * Issue 13 "Faults": a Postgres that stops answering without closing anything (SIGSTOP,
 * as a hung machine or a network dropping packets looks to Latchkey). Every request that
 * needs it gives up after the query timeout and fails closed (a 503 page, or
 * `temporarily_unavailable` at the token endpoint) instead of waiting for ever, /readyz
 * turns red, and once the server goes on (SIGCONT) Latchkey is back by itself with the
 * grant and the account as they were. A request that hung would keep its test from
 * finishing: the test's own timeout is the guard, no time is asserted.
 */
describe('operations: Postgres freezes under a running Latchkey', { timeout: 120_000 }, () => {
  let pg: OwnStore;
  let redis: OwnStore;
  let open: OpenBackend;
  let lk: TestLatchkey;
  let rp: TestRp;
  let machine: { clientId: string; clientSecret: string | undefined };
  const traps = createTraps();

  before(async () => {
    [pg, redis] = await Promise.all([ownPostgres(), ownRedis()]);
    open = await openOwnBackend(pg, redis, { queryTimeoutMs: QUERY_TIMEOUT_MS });
    lk = await startLatchkey({ ...open, ephemeral: traps.ephemeral(open.ephemeral) });
    rp = await relyingParty(lk, await lk.createClient({ name: 'Notes' }));
    machine = await lk.createClient({ name: 'Nightly job', grantTypes: ['client_credentials'], redirectUris: [] });
  });
  after(async () => {
    // A server left frozen by a failed test is killed by close() all the same.
    await lk?.close().catch(() => {});
    await open?.close().catch(() => {});
    await Promise.allSettled([pg?.close(), redis?.close()]);
  });

  const ready = async () => {
    const res = await fetch(`${lk.issuer}/readyz`);
    return { status: res.status, checks: ((await res.json()) as { checks: Record<string, string> }).checks };
  };
  const refresh = (refreshToken: string) =>
    tokenEndpoint(lk, { grant_type: 'refresh_token', refresh_token: refreshToken }, { id: rp.clientId, secret: rp.clientSecret! });
  const clientCredentials = () => tokenEndpoint(lk, { grant_type: 'client_credentials' }, { id: machine.clientId, secret: machine.clientSecret! });

  async function signedIn() {
    const user = await lk.createUser();
    const ua = userAgentFor(rp);
    const { callback, started } = await signIn(ua, rp, user, { scope: 'openid offline_access', prompt: 'consent' });
    return { user, held: (await redeem(rp, callback, started)).refresh_token! };
  }

  test('requests fail closed after the query timeout, /readyz is red, and all is back once Postgres goes on', async () => {
    const { user, held } = await signedIn();
    const pageUa = userAgentFor(rp);
    const signInPage = await pageUa.go((await startAuthorization(rp)).url.toString());
    assert.equal((await ready()).status, 200);

    pg.freeze();
    // Requests in flight together: each gives up on its own statement or on the wait for a connection.
    const [refreshed, token, page] = await Promise.all([
      refresh(held),
      clientCredentials(),
      pageUa.submit(signInPage, '/password', { email: user.email, password: user.password }),
    ]);
    for (const res of [refreshed, token]) {
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal(res.body.error, 'temporarily_unavailable');
    }
    assert.equal(page.status, 503, page.html.slice(0, 500));
    assert.match(page.html, /<title>Latchkey is busy · Latchkey<\/title>/);
    assert.deepEqual(await ready(), { status: 503, checks: { database: 'unavailable', redis: 'ok' } });

    pg.thaw();
    await waitFor('/readyz green after Postgres goes on', async () => (await ready()).status === 200);
    const again = await refresh(held);
    assert.equal(again.status, 200, `the refresh token from before the freeze works: ${JSON.stringify(again.body)}`);
    assert.equal((await clientCredentials()).status, 200);
    const other = userAgentFor(rp);
    const back = await submitPassword(other, await other.go((await startAuthorization(rp)).url.toString()), user);
    assert.equal(back.status, 0, 'the password signs in again');
  });

  test('Postgres freezes while a refresh is about to write its rotation: 503, then the same refresh token works', async () => {
    const { held } = await signedIn();
    // Everything read, the access token about to be saved: the rotation's commit meets a frozen server.
    traps.beforeAccessTokenSave(async () => pg.freeze());
    const refused = await refresh(held);
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal(refused.body.error, 'temporarily_unavailable');

    pg.thaw();
    await waitFor('/readyz green after Postgres goes on', async () => (await ready()).status === 200);
    const again = await refresh(held);
    assert.equal(again.status, 200, `the refresh token works: ${JSON.stringify(again.body)}`);
  });
});
