import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { inbox, type Inbox } from '../../helpers/inbox.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { openOwnBackend, ownPostgres, ownRedis, waitFor, type OwnStore } from '../../helpers/own-stores.js';
import { csrfOf, enrolFirstPasskey, passkeySignIn } from '../../helpers/passkey-http.js';
import { oidc, redeem, relyingParty, startAuthorization, submitPassword, tokenEndpoint, userAgentFor, type TestRp } from '../../helpers/rp.js';
import { startSmtp, type TestSmtp } from '../../helpers/smtp.js';
import type { OpenBackend } from '../../helpers/backends.js';
import type { SoftwareAuthenticator } from '../../helpers/software-authenticator.js';
import type { Page } from '../../helpers/user-agent.js';

/**
 * Issue 13 "Faults": Latchkey over a Postgres and a Redis of this test's own, each
 * killed (SIGKILL, no shutdown) during sign-ins, token requests and passkey ceremonies,
 * then started again. Requests fail closed (a readable 503 page, or OAuth
 * `temporarily_unavailable` at the token endpoint), /readyz is red while a store is
 * down and green after, Latchkey recovers by itself (it is never restarted), and what
 * was committed is all there: the account, its passkey, the client, the grant, the
 * refresh token and the outbox mail are used again afterwards.
 */
describe('operations: a store crashes under a running Latchkey', () => {
  let pg: OwnStore;
  let redis: OwnStore;
  let smtp: TestSmtp;
  let mail: Inbox;
  let open: OpenBackend;
  let lk: TestLatchkey;
  let rp: TestRp;
  let machine: { clientId: string; clientSecret: string | undefined };

  before(async () => {
    [pg, redis, smtp] = await Promise.all([ownPostgres(), ownRedis(), startSmtp()]);
    mail = inbox(smtp);
    open = await openOwnBackend(pg, redis);
    lk = await startLatchkey(open, { LATCHKEY_SMTP_URL: smtp.url, LATCHKEY_MAIL_FROM: 'Latchkey <no-reply@example.com>', LATCHKEY_MAIL_POLL_SECONDS: '1' });
    rp = await relyingParty(lk, await lk.createClient({ name: 'Notes' }));
    machine = await lk.createClient({ name: 'Nightly job', grantTypes: ['client_credentials'], redirectUris: [] });
  });
  after(async () => {
    // Each on its own: a store left down by a failed test must not keep the others running.
    await lk?.close().catch(() => {});
    await open?.close().catch(() => {});
    await Promise.allSettled([smtp?.close(), pg?.close(), redis?.close()]);
  });

  const ready = async () => {
    const res = await fetch(`${lk.issuer}/readyz`);
    return { status: res.status, checks: ((await res.json()) as { checks: Record<string, string> }).checks };
  };
  const clientCredentials = () =>
    tokenEndpoint(lk, { grant_type: 'client_credentials' }, { id: machine.clientId, secret: machine.clientSecret! });

  /** Everything a person and an app hold before the crash: an account with a passkey, a grant with a refresh token, mail in the outbox. */
  async function established() {
    const user = await lk.createUser();
    const ua = userAgentFor(rp);
    const started = await startAuthorization(rp, { scope: 'openid offline_access', prompt: 'consent' });
    const page = await ua.go(started.url.toString());
    const offer = await ua.submit(page, '/password', { email: user.email, password: user.password });
    const { authenticator, end } = await enrolFirstPasskey(ua, offer, { issuer: lk.issuer, accountId: user.id, email: user.email, mail });
    const tokens = await redeem(rp, new URL(end!.url), started);
    assert.ok(tokens.refresh_token);
    await mail.take(user.email, /A passkey was added/);
    return { user, authenticator, refreshToken: tokens.refresh_token };
  }

  const committed = async () => {
    const { rows } = await open.db.query<Record<string, number>>(
      `SELECT (SELECT count(*) FROM accounts) AS accounts, (SELECT count(*) FROM passkeys) AS passkeys,
              (SELECT count(*) FROM clients) AS clients, (SELECT count(*) FROM mail_outbox) AS outbox,
              (SELECT count(*) FROM oidc_models WHERE model = 'Grant') AS grants,
              (SELECT count(*) FROM oidc_models WHERE model = 'RefreshToken') AS refresh_tokens`,
    );
    return rows[0]!;
  };

  /** After the store is back: every committed thing still works, without restarting Latchkey. */
  async function stillWorks(held: Awaited<ReturnType<typeof established>>, authenticator: SoftwareAuthenticator) {
    const refreshed = await oidc.refreshTokenGrant(rp.config, held.refreshToken);
    assert.ok(refreshed.access_token, 'the refresh token from before the crash still works');
    const ua = userAgentFor(rp);
    const { callback, started } = await passkeySignIn(ua, rp, authenticator, lk.issuer, { acr_values: 'phr' });
    assert.equal((await redeem(rp, callback, started)).claims()!.acr, 'phr', 'the passkey from before the crash still signs in');
    const other = userAgentFor(rp);
    const again = await startAuthorization(rp);
    const back = await submitPassword(other, await other.go(again.url.toString()), held.user);
    assert.equal(back.status, 0, 'the password still signs in');
    assert.equal((await clientCredentials()).status, 200, 'the machine client still gets tokens');
  }

  /**
   * A sign-in page and a passkey ceremony started while the store is up, then the store
   * killed under 12 token requests in flight: each ends with tokens or a refusal, never a
   * hang or a 500.
   */
  async function killUnderLoad(kill: () => Promise<void>) {
    const ua = userAgentFor(rp);
    const signInPage = await ua.go((await startAuthorization(rp)).url.toString());
    const ceremony = userAgentFor(rp);
    const ceremonyPage = await ceremony.go((await startAuthorization(rp)).url.toString());
    const options = await ceremony.postJson(`${ceremonyPage.url}/passkey-sign-in/options`, {}, { 'x-csrf-token': csrfOf(ceremonyPage) });
    assert.equal(options.status, 200);
    const inFlight = Array.from({ length: 12 }, () => clientCredentials());
    await kill();
    for (const res of await Promise.all(inFlight)) {
      assert.ok(res.status === 200 || (res.status === 503 && res.body.error === 'temporarily_unavailable'), `${res.status} ${JSON.stringify(res.body)}`);
    }
    return { ua, signInPage, ceremony, ceremonyPage, options };
  }

  /** While the store is down: the busy page, a 503 ceremony, temporarily_unavailable at the token endpoint, no code. */
  async function refusedWhileDown(held: Awaited<ReturnType<typeof established>>, flows: Awaited<ReturnType<typeof killUnderLoad>>) {
    const { ua, signInPage, ceremony, ceremonyPage, options } = flows;
    busyPage(await ua.submit(signInPage, '/password', { email: held.user.email, password: held.user.password }));
    const verify = await ceremony.postJson(
      `${ceremonyPage.url}/passkey-sign-in/verify`,
      { credential: held.authenticator.assert((options.body as { challenge: string }).challenge) },
      { 'x-csrf-token': csrfOf(ceremonyPage) },
    );
    assert.equal(verify.status, 503, JSON.stringify(verify.body));
    assert.equal((verify.body as { redirect?: string }).redirect, undefined, 'no way on into the app');
    const refresh = await tokenEndpoint(lk, { grant_type: 'refresh_token', refresh_token: held.refreshToken }, { id: rp.clientId, secret: rp.clientSecret! });
    assert.equal(refresh.status, 503);
    assert.equal(refresh.body.error, 'temporarily_unavailable');
    const token = await clientCredentials();
    assert.equal(token.status, 503);
    assert.equal(token.body.error, 'temporarily_unavailable');
    await refusedAuthorization();
    return verify;
  }

  test('Postgres killed mid-flight: 503 pages and temporarily_unavailable, /readyz red, then back by itself with nothing lost', async () => {
    const held = await established();
    const before = await committed();
    assert.deepEqual(await ready(), { status: 200, checks: { database: 'ok', redis: 'ok' } });

    // A sign-in and a passkey ceremony that started before the crash.
    const flows = await killUnderLoad(() => pg.kill());
    assert.deepEqual(await ready(), { status: 503, checks: { database: 'unavailable', redis: 'ok' } });
    const verify = await refusedWhileDown(held, flows);
    assert.equal((verify.body as { error: string }).error, 'storage.unavailable');

    await pg.start();
    await waitFor('/readyz green after Postgres is back', async () => (await ready()).status === 200);
    assert.deepEqual(await committed(), before, 'nothing committed was lost');
    // The sign-in page from before the crash works again (its interaction lives in Redis).
    const resumed = await submitPassword(flows.ua, flows.signInPage, held.user);
    assert.equal(resumed.status, 0, `the sign-in goes on: ${resumed.status} ${resumed.url}`);
    await stillWorks(held, held.authenticator);
  });

  test('Redis killed mid-flight: 503 pages and temporarily_unavailable, /readyz red, then back by itself with nothing lost', async () => {
    const held = await established();
    const before = await committed();
    assert.equal((await ready()).status, 200);

    const flows = await killUnderLoad(() => redis.kill());
    assert.deepEqual(await ready(), { status: 503, checks: { database: 'ok', redis: 'unavailable' } });
    await refusedWhileDown(held, flows);

    await redis.start();
    await waitFor('/readyz green after Redis is back', async () => (await ready()).status === 200);
    assert.deepEqual(await committed(), before, 'nothing durable was lost');
    // The sign-in in progress lived in Redis (no persistence here): it starts again, never half-done.
    const stale = await flows.ua.submit(flows.signInPage, '/password', { email: held.user.email, password: held.user.password });
    assert.equal(stale.status, 400);
    assert.match(stale.html, /This sign-in page has expired/);
    await stillWorks(held, held.authenticator);
  });

  /** A new authorization request while a store is down: a readable page or the OAuth error at the app, never a code or a session. */
  async function refusedAuthorization() {
    const started = await startAuthorization(rp);
    const res = await fetch(started.url, { redirect: 'manual', headers: { accept: 'text/html' } });
    assert.equal(res.headers.getSetCookie().filter((c) => !/=;|expires=Thu, 01 Jan 1970/i.test(c)).length, 0, 'no session cookie');
    const location = res.headers.get('location');
    if (location) {
      // RFC 6749 §4.1.2.1: told at the app's redirect URI, without a code.
      const back = new URL(location);
      assert.equal(`${back.origin}${back.pathname}`, rp.redirectUri);
      assert.equal(back.searchParams.get('error'), 'temporarily_unavailable', location);
      assert.equal(back.searchParams.get('code'), null);
    } else {
      assert.equal(res.status, 503);
      assert.match(await res.text(), /<title>[^<]+ · Latchkey<\/title>/);
    }
  }
});

function busyPage(page: Page) {
  assert.equal(page.status, 503, page.html.slice(0, 500));
  assert.match(page.url, /\/interaction\//, 'no redirect out of the sign-in');
  assert.match(page.html, /<title>Latchkey is busy · Latchkey<\/title>/);
  assert.match(page.html, /Nothing was changed; try again in a minute\./);
}
