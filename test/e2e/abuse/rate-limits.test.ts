import assert from 'node:assert/strict';
import { test } from 'node:test';
import { basicAuth } from '../../helpers/client-auth.js';
import { startLatchkey } from '../../helpers/latchkey.js';
import { isEnrolOffer, relyingParty, startAuthorization, submitPassword } from '../../helpers/rp.js';
import { abuseSuite, csrfOf, userAgentWith } from './setup.js';

// Small budgets; a trusted proxy on loopback lets each test be its own client address.
const ENV = {
  LATCHKEY_TRUSTED_PROXIES: '127.0.0.1',
  LATCHKEY_RATE_LIMIT_IP: '4/600',
  LATCHKEY_RATE_LIMIT_ACCOUNT: '3/600',
  LATCHKEY_RATE_LIMIT_CLIENT_AUTH_FAILURES: '3/600',
  LATCHKEY_RATE_LIMIT_REGISTRATION: '2/3600',
  LATCHKEY_INITIAL_ACCESS_TOKEN: 'iat-0123456789abcdef0123456789abcdef',
};

abuseSuite('abuse: rate limits', ENV, (s) => {
  test('password sign-ins per client address: 429 with Retry-After and a readable page, before any password check', async () => {
    const ua = userAgentWith(s.rp, () => ({ 'x-forwarded-for': '203.0.113.10' }));
    const page = await ua.go((await startAuthorization(s.rp)).url.toString());
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      statuses.push((await ua.submit(page, '/password', { email: `someone${i}@example.com`, password: `wrong password ${i}` })).status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 429]);
    const limited = await ua.submit(page, '/password', { email: s.alice.email, password: s.alice.password });
    assert.equal(limited.status, 429);
    assert.match(limited.html, /<title>Too many attempts · Latchkey<\/title>/);
    assert.match(limited.html, /Too many attempts in a short time\. Wait \d+ (seconds|minutes) and try again\./);
    assert.match(limited.html, /<code>rate_limited<\/code>/);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 600, `Retry-After ${retryAfter}`);

    // Another address still signs in: the budget is per address.
    const other = userAgentWith(s.rp, () => ({ 'x-forwarded-for': '203.0.113.11' }));
    const fresh = await other.go((await startAuthorization(s.rp)).url.toString());
    assert.notEqual((await other.submit(fresh, '/password', { email: s.alice.email, password: s.alice.password })).status, 429);
  });

  test("a stranger's password attempts from many addresses never rate-limit the owner's known browser", async () => {
    const bob = await s.lk.createUser({ email: 'bob@example.com' });
    const home = userAgentWith(s.rp, () => ({ 'x-forwarded-for': '203.0.113.19' }));
    const first = await home.go((await startAuthorization(s.rp)).url.toString());
    const signedIn = await home.submit(first, '/password', { email: bob.email, password: bob.password });
    assert.ok(signedIn.status === 0 || isEnrolOffer(signedIn), `bob signs in (${signedIn.status})`);
    // More attempts on bob's account than LATCHKEY_RATE_LIMIT_ACCOUNT allows, every spelling, every address.
    const spellings = ['bob@example.com', 'BOB@example.com', ' Bob@Example.com ', 'ｂｏｂ@example.com', 'bob@EXAMPLE.com'];
    const statuses: number[] = [];
    for (const [i, email] of spellings.entries()) {
      const ua = userAgentWith(s.rp, () => ({ 'x-forwarded-for': `203.0.113.${20 + i}` }));
      const page = await ua.go((await startAuthorization(s.rp)).url.toString());
      statuses.push((await ua.submit(page, '/password', { email, password: `not bob's password ${i}` })).status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401], 'guesses are bounded by the lockout (device cookies), not by a per-account request count');
    const again = await home.go((await startAuthorization(s.rp, { prompt: 'login' })).url.toString());
    const owner = await home.submit(again, '/password', { email: bob.email, password: bob.password });
    assert.ok(owner.status === 0 || isEnrolOffer(owner), `the owner's known browser still signs in (${owner.status})`);
  });

  test('passkey options are JSON routes: 429 JSON with Retry-After and a message', async () => {
    const ua = userAgentWith(s.rp, () => ({ 'x-forwarded-for': '2001:db8:aa:bb::1' }));
    const page = await ua.go((await startAuthorization(s.rp)).url.toString());
    const csrf = csrfOf(page.html);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await ua.postJson(`${page.url}/passkey-sign-in/options`, {}, { 'x-csrf-token': csrf })).status);
    assert.deepEqual(statuses, [200, 200, 200, 200]);
    // Another address in the same IPv6 /64 shares the budget.
    let last = new Headers();
    const neighbour = userAgentWith(s.rp, () => ({ 'x-forwarded-for': '2001:db8:aa:bb:ffff::2' }), (h) => (last = h));
    const page2 = await neighbour.go((await startAuthorization(s.rp)).url.toString());
    const limited = await neighbour.postJson(`${page2.url}/passkey-sign-in/options`, {}, { 'x-csrf-token': csrfOf(page2.html) });
    assert.equal(limited.status, 429);
    assert.ok(Number(last.get('retry-after')) > 0);
    assert.deepEqual(Object.keys(limited.body as object).sort(), ['error', 'message']);
    assert.equal((limited.body as { error: string }).error, 'rate_limited');
    assert.match((limited.body as { message: string }).message, /Wait \d+/);
  });

  test('the account page\'s passkey options count per account, across addresses', async () => {
    const carol = await s.lk.createUser({ email: 'carol@example.com' });
    let address = 60;
    let last = new Headers();
    const ua = userAgentWith(s.rp, () => ({ 'x-forwarded-for': `203.0.113.${address}` }), (h) => (last = h));
    let page = await ua.go(`${s.lk.issuer}/account/sign-in`);
    page = await ua.submit(page, '/password', { email: carol.email, password: carol.password });
    if (isEnrolOffer(page)) page = await ua.submit(page, '/enrol/skip');
    assert.match(page.url, /\/account$/, `signed in to the account page (${page.status})`);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      address += 1; // a fresh address each time: the account's budget is what runs out
      statuses.push((await ua.postJson(`${s.lk.issuer}/account/passkeys/options`, {}, { 'x-csrf-token': csrfOf(page.html) })).status);
    }
    // Each request is counted before it is judged: the first three are refused because a
    // first passkey needs the mailed code (account.code_required), the fourth by the limit.
    assert.deepEqual(statuses, [403, 403, 403, 429]);
    assert.ok(Number(last.get('retry-after')) > 0);
  });

  test('the token endpoint: too many failed client authentications block that client_id, with an OAuth error body', async () => {
    const victim = await s.lk.createClient({ name: 'Reports job', grantTypes: ['client_credentials'], redirectUris: [] });
    const bystander = await s.lk.createClient({ name: 'Other job', grantTypes: ['client_credentials'], redirectUris: [] });
    const token = (id: string, secret: string, path = '/token', body = 'grant_type=client_credentials') =>
      fetch(`${s.lk.issuer}${path}`, { method: 'POST', headers: { authorization: basicAuth(id, secret), 'content-type': 'application/x-www-form-urlencoded' }, body });
    assert.equal((await token(victim.clientId, victim.clientSecret!)).status, 200, 'successes are not counted');
    for (let i = 0; i < 3; i += 1) {
      const res = await token(victim.clientId, `guess-${i}`);
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { error: string }).error, 'invalid_client');
    }
    const blocked = await token(victim.clientId, 'guess-4');
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    assert.equal(blocked.headers.get('cache-control'), 'no-store');
    const body = (await blocked.json()) as { error: string; error_description: string };
    assert.equal(body.error, 'temporarily_unavailable');
    assert.match(body.error_description, /too many failed client authentications/);
    // Blocked means blocked: the right secret, another method or another endpoint change nothing.
    assert.equal((await token(victim.clientId, victim.clientSecret!)).status, 429);
    const post = await fetch(`${s.lk.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: victim.clientId, client_secret: 'guess-5' }).toString(),
    });
    assert.equal(post.status, 429, 'client_secret_post');
    assert.equal((await token(victim.clientId, victim.clientSecret!, '/token/introspection', 'token=abc')).status, 429, 'introspection');
    assert.equal((await token(victim.clientId, victim.clientSecret!, '/token/revocation', 'token=abc')).status, 429, 'revocation');
    assert.equal((await token(bystander.clientId, bystander.clientSecret!)).status, 200, 'other clients are not affected');
    // Counted per client address: whoever guessed cannot block the real client elsewhere.
    const elsewhere = await fetch(`${s.lk.issuer}/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(victim.clientId, victim.clientSecret!), 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '203.0.113.77' },
      body: 'grant_type=client_credentials',
    });
    assert.equal(elsewhere.status, 200, 'the client from its own address still gets tokens');
  });

  test('dynamic registration per client address: 429 with an OAuth error body', async () => {
    const register = () =>
      fetch(`${s.lk.issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ENV.LATCHKEY_INITIAL_ACCESS_TOKEN}`, 'x-forwarded-for': '203.0.113.50' },
        body: JSON.stringify({ client_name: 'Partner sync', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] }),
      });
    assert.equal((await register()).status, 201);
    assert.equal((await register()).status, 201);
    const limited = await register();
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assert.equal(((await limited.json()) as { error: string }).error, 'temporarily_unavailable');
  });

  test('everyone together: the global budget', async () => {
    // Stores of its own: every Latchkey on one store shares its counts, as processes do.
    const open = await s.backend.open();
    const lk = await startLatchkey(open, { LATCHKEY_TRUSTED_PROXIES: '127.0.0.1', LATCHKEY_RATE_LIMIT_GLOBAL: '2/600' });
    try {
      const rp = await relyingParty(lk, await lk.createClient({ name: 'Busy app' }));
      const statuses: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        const ua = userAgentWith(rp, () => ({ 'x-forwarded-for': `198.51.100.${i + 1}` }));
        const page = await ua.go((await startAuthorization(rp)).url.toString());
        statuses.push((await ua.postJson(`${page.url}/passkey-sign-in/options`, {}, { 'x-csrf-token': csrfOf(page.html) })).status);
      }
      assert.deepEqual(statuses, [200, 200, 429]);
    } finally {
      await lk.close();
      await open.close();
    }
  });
});

abuseSuite('abuse: mail-sending steps', { ...ENV, LATCHKEY_SIGNUP: 'open', LATCHKEY_RATE_LIMIT_IP: '100/600' }, (s) => {
  /** The sign-in page's link to `step`, followed, and the email posted there. */
  async function postFrom(ua: ReturnType<typeof userAgentWith>, step: 'sign-up' | 'reset', email: string, extra: Record<string, string> = {}) {
    const page = await ua.go((await startAuthorization(s.rp, extra)).url.toString());
    const link = new RegExp(`href="(/interaction/[^"]+/${step})"`).exec(page.html)?.[1];
    assert.ok(link, `the sign-in page links to ${step}`);
    const form = await ua.go(new URL(link, s.lk.issuer).toString());
    return ua.submit(form, `/${step}`, step === 'sign-up' ? { email, name: 'Dora' } : { email });
  }
  const post = (step: 'sign-up' | 'reset', email: string, address: string) => postFrom(userAgentWith(s.rp, () => ({ 'x-forwarded-for': address })), step, email);

  test('from one network, two mails to one address an hour, whatever the step, the spelling or the padding', async () => {
    // Padded past the 320 characters an address may have: trimmed, it is the same address, and is counted as such.
    const spellings = ['frank@example.com', `${' '.repeat(330)}FRANK@example.com`, 'ｆｒａｎｋ@Example.com'];
    const pages = [];
    for (const [i, email] of spellings.entries()) pages.push(await post(i % 2 ? 'reset' : 'sign-up', email, '198.51.100.200'));
    const statuses = pages.map((p) => p.status);
    assert.deepEqual(statuses.map((st) => st < 400), [true, true, false], `statuses ${statuses}`);
    assert.equal(statuses[2], 429, 'the third mail to the same address from the same network is refused');
    // A readable page that points to the mail already sent.
    assert.match(pages[2]!.html, /We cannot send more mail for this right now\. If we sent you a code a little while ago, use the latest one; otherwise wait \d+ minutes and try again\./);
    // The same network may still mail another address.
    assert.ok((await post('reset', 'grace@example.com', '198.51.100.200')).status < 400);
  });

  test('every sub-address of one mailbox spends that mailbox\'s budget, and at Gmail every dotted spelling too', async () => {
    // From four networks, so no per-network budget is what refuses: only the mailbox's own.
    const spellings = ['hana+1@example.com', 'hana+shop@example.com', 'Hana@example.com', 'hana+2@example.com'];
    const statuses: number[] = [];
    for (const [i, email] of spellings.entries()) statuses.push((await post(i % 2 ? 'reset' : 'sign-up', email, `198.51.100.${i + 11}`)).status);
    assert.deepEqual(statuses.map((st) => st < 400), [true, true, true, false], `statuses ${statuses}`);
    assert.equal(statuses[3], 429, 'the fourth mail to the same inbox is refused, whatever its sub-address');
    // Another mailbox whose name starts the same is its own.
    assert.ok((await post('sign-up', 'hanako+1@example.com', '198.51.100.19')).status < 400);

    const gmail = ['i.van@gmail.com', 'ivan+x@googlemail.com', 'I.V.A.N@gmail.com', 'ivan@gmail.com'];
    const fromGmail: number[] = [];
    for (const [i, email] of gmail.entries()) fromGmail.push((await post('sign-up', email, `198.51.100.${i + 21}`)).status);
    assert.deepEqual(fromGmail.map((st) => st < 400), [true, true, true, false], `statuses ${fromGmail}`);
  });

  test("strangers together send at most three mails to an address an hour, and never spend what the owner's known browser may ask for", async () => {
    const dora = await s.lk.createUser({ email: 'dora@example.com' });
    const home = userAgentWith(s.rp, () => ({ 'x-forwarded-for': '198.51.100.99' }));
    const first = await home.go((await startAuthorization(s.rp)).url.toString());
    // The whole sign-in, the passkey offer declined: the device cookie comes with its end.
    assert.equal((await submitPassword(home, first, dora)).status, 0, 'dora signs in and is back at the app');

    const spellings = ['dora@example.com', 'DORA+shop@example.com', ' Dora@Example.com', 'ｄｏｒａ+news@example.com'];
    const statuses: number[] = [];
    for (const [i, email] of spellings.entries()) statuses.push((await post(i % 2 ? 'reset' : 'sign-up', email, `198.51.100.${i + 1}`)).status);
    assert.deepEqual(statuses.map((st) => st < 400), [true, true, true, false], `statuses ${statuses}`);
    assert.equal(statuses[3], 429, 'the fourth mail to the same address is refused, whatever the step, the spelling or the client address');
    // Another address is not affected.
    assert.ok((await post('reset', 'erin@example.com', '198.51.100.50')).status < 400);

    // The owner's browser, known from its sign-in, still gets a reset code mailed: two an hour of its own.
    const owner: number[] = [];
    for (let i = 0; i < 3; i++) owner.push((await postFrom(home, 'reset', 'Dora@example.com', { prompt: 'login' })).status);
    assert.deepEqual(owner.map((st) => st < 400), [true, true, false], `statuses ${owner}`);
    assert.equal(owner[2], 429);
  });
});
