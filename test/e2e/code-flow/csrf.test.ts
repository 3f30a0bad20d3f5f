import assert from 'node:assert/strict';
import { test } from 'node:test';
import { basicAuth } from '../../helpers/client-auth.js';
import { startAuthorization, userAgentFor } from '../../helpers/rp.js';
import type { Page, UserAgent } from '../../helpers/user-agent.js';
import { codeFlowSuite } from './setup.js';

const token = (page: Page) => /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;

codeFlowSuite('code flow: forms refuse cross-site and borrowed requests (CSRF)', (s) => {
  async function signInPage(ua: UserAgent) {
    return ua.go((await startAuthorization(s.rp)).url.toString());
  }
  /** The password form posted with this browser's cookies and the given token and headers. */
  function post(ua: UserAgent, page: Page, csrf: string, headers: Record<string, string> = {}) {
    const body = new URLSearchParams({ _csrf: csrf, email: s.alice.email, password: 'not-her-password' }).toString();
    return ua.postRaw(`${page.url}/password`, body, { 'content-type': 'application/x-www-form-urlencoded', ...headers });
  }

  test('a post from another origin, or marked cross-site or same-site by the browser, is refused with a readable page', async () => {
    const ua = userAgentFor(s.rp);
    const page = await signInPage(ua);
    const cases: Array<Record<string, string>> = [
      { origin: 'https://attacker.example' },
      { origin: 'null' },
      { origin: 'null', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' },
      { origin: s.lk.issuer.replace('localhost', '127.0.0.1') },
      { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' },
      { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'navigate' },
      { origin: s.lk.issuer, 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of cases) {
      const refused = await post(ua, page, token(page), { accept: 'text/html', ...headers });
      assert.equal(refused.status, 403, JSON.stringify(headers));
      assert.match(refused.text, /<h1[^>]*>Request not accepted<\/h1>/);
      assert.match(refused.text, /came from another site/);
    }
    // The same post from Latchkey's own page goes through (to a wrong-password answer).
    const own = await post(ua, page, token(page), { origin: s.lk.issuer, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate' });
    assert.equal(own.status, 401);
    // Under Referrer-Policy: no-referrer, Chromium sends Origin: null on its own form posts.
    const nullOrigin = await post(ua, page, token(page), { origin: 'null', 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate' });
    assert.equal(nullOrigin.status, 401);
    const noHeaders = await post(ua, page, token(page));
    assert.equal(noHeaders.status, 401, 'without Origin and fetch metadata the token decides');
  });

  test('a token from another sign-in is refused, in the same browser too', async () => {
    const ua = userAgentFor(s.rp);
    const first = await signInPage(ua);
    const second = await signInPage(ua);
    assert.notEqual(first.url, second.url, 'two interactions');
    assert.notEqual(token(first), token(second), 'each bound to its own interaction');
    const borrowed = await post(ua, second, token(first));
    assert.equal(borrowed.status, 403);
    assert.match(borrowed.text, /This form has expired/);
    assert.equal((await post(ua, second, token(second))).status, 401);
    const otherBrowser = userAgentFor(s.rp);
    await signInPage(otherBrowser);
    assert.equal((await post(otherBrowser, second, token(second))).status, 400 /* not its interaction */);
  });

  test('OAuth endpoints stay cross-origin: /token answers a cross-site post with its own error, not the CSRF page', async () => {
    const redeem = (headers: Record<string, string>) =>
      fetch(`${s.lk.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(s.rp.clientId, s.rp.clientSecret!), ...headers },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: 'nope', redirect_uri: s.rp.redirectUri, code_verifier: 'v'.repeat(43) }).toString(),
      });
    const crossSite = await redeem({ 'sec-fetch-site': 'cross-site' });
    assert.equal(crossSite.status, 400);
    assert.equal(((await crossSite.json()) as { error?: string }).error, 'invalid_grant', 'judged on the grant, not on where it came from');
    // With an Origin, the engine's own CORS policy answers (JSON), never Latchkey's page check.
    const withOrigin = await redeem({ origin: 'https://app.example', 'sec-fetch-site': 'cross-site' });
    assert.match(withOrigin.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(((await withOrigin.json()) as { error?: string }).error, 'invalid_request');
  });
});
