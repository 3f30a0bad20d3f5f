import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PARAM_LIMITS, REQUEST_LIMITS } from '../../../src/provider/request-limits.js';
import { basicAuth } from '../../helpers/client-auth.js';
import { isLoginPage, startAuthorization, userAgentFor } from '../../helpers/rp.js';
import { codeFlowSuite } from './setup.js';

const long = (n: number) => 'a'.repeat(n);

/** A value of `param` `length` characters long, otherwise well-formed. */
function valueOf(param: keyof typeof PARAM_LIMITS, length: number): string {
  if (param === 'claims') {
    const shell = JSON.stringify({ id_token: { acr: { essential: false, value: '' } } });
    return JSON.stringify({ id_token: { acr: { essential: false, value: long(length - shell.length) } } });
  }
  if (param === 'resource') return `https://api.example.com/${long(length - 'https://api.example.com/'.length)}`;
  return long(length);
}

/** No interaction was stored: no interaction cookie, no way to a sign-in page. */
function assertNoInteraction(res: Response) {
  assert.ok(!res.headers.getSetCookie().some((c) => c.startsWith('_interaction')), 'no interaction cookie');
  assert.doesNotMatch(res.headers.get('location') ?? '', /\/interaction\//);
}

codeFlowSuite('code flow: bounded input', (s) => {
  test('each limited parameter over its limit → invalid_request back to the client, and no interaction; at the limit it is accepted', async () => {
    for (const param of Object.keys(PARAM_LIMITS) as Array<keyof typeof PARAM_LIMITS>) {
      const over = await startAuthorization(s.rp, { [param]: valueOf(param, PARAM_LIMITS[param] + 1) });
      const res = await fetch(over.url, { redirect: 'manual' });
      assert.equal(res.status, 303, param);
      const back = new URL(res.headers.get('location')!);
      assert.equal(`${back.origin}${back.pathname}`, s.rp.redirectUri, `${param}: the error goes to the registered redirect_uri`);
      assert.equal(back.searchParams.get('error'), 'invalid_request', param);
      assert.equal(back.searchParams.get('iss'), s.lk.issuer);
      assertNoInteraction(res);
    }
    // At the limit: the sign-in starts (resource at its limit is simply not registered).
    for (const param of ['state', 'nonce', 'login_hint', 'ui_locales', 'acr_values', 'claims'] as const) {
      const ok = await startAuthorization(s.rp, { [param]: valueOf(param, PARAM_LIMITS[param]) });
      const page = await userAgentFor(s.rp).go(ok.url.href);
      assert.ok(isLoginPage(page), `${param} at its limit reaches the sign-in page`);
    }
  });

  test('an over-long parameter with an unknown redirect_uri gets Latchkey\'s error page, never a redirect', async () => {
    const started = await startAuthorization(s.rp, { redirect_uri: 'https://attacker.example/cb', nonce: long(PARAM_LIMITS.nonce + 1) });
    const res = await fetch(started.url, { redirect: 'manual' });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('location'), null);
    assertNoInteraction(res);
    const html = await res.text();
    assert.match(html, /<title>Sign-in problem/);
    assert.ok(!html.includes('attacker.example') && !html.includes(long(100)), 'the page does not echo the input');
  });

  test('a whole query string over its limit gets the error page, even from a known client', async () => {
    const started = await startAuthorization(s.rp, { id_token_hint: long(REQUEST_LIMITS.queryBytes) });
    const res = await fetch(started.url, { redirect: 'manual', headers: { accept: 'text/html' } });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('location'), null);
    assertNoInteraction(res);
    const html = await res.text();
    assert.match(html, /invalid_request/);
    assert.ok(!html.includes(long(100)));
    // The authorization endpoint takes no form body at all (GET only, as configured).
    const posted = await fetch(`${s.lk.issuer}/auth`, { method: 'POST', redirect: 'manual', body: started.url.searchParams });
    assert.equal(posted.status, 405);
    assertNoInteraction(posted);
  });

  test('pushed authorization requests (RFC 9126): an over-long parameter or body → invalid_request', async () => {
    const par = (params: Record<string, string>) =>
      fetch(`${s.lk.issuer}/request`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: basicAuth(s.rp.clientId, s.rp.clientSecret!) },
        body: new URLSearchParams(params),
      });
    const params = Object.fromEntries((await startAuthorization(s.rp)).url.searchParams);
    const oversized: Array<Record<string, string>> = [{ state: long(PARAM_LIMITS.state + 1) }, { login_hint: long(PARAM_LIMITS.login_hint + 1) }, { x: long(REQUEST_LIMITS.formBodyBytes) }];
    for (const extra of oversized) {
      const res = await par({ ...params, ...extra });
      assert.equal(res.status, 400, Object.keys(extra)[0]);
      assert.equal(((await res.json()) as { error: string }).error, 'invalid_request');
    }
    assert.equal((await par(params)).status, 201, 'within the limits it is pushed');
  });

  test('malformed JSON gets 400 invalid_request and never an echo of the input', async () => {
    const ua = userAgentFor(s.rp);
    const page = await ua.go((await startAuthorization(s.rp)).url.href);
    assert.ok(isLoginPage(page));
    const marker = 'MARKER-7f3a9c';
    const reply = await ua.postRaw(`${page.url}/passkey-sign-in/options`, `{"name": ${marker}<script>`, {
      'content-type': 'application/json',
      accept: 'application/json',
    });
    assert.equal(reply.status, 400);
    assert.equal((JSON.parse(reply.text) as { error: string }).error, 'invalid_request');
    assert.ok(!reply.text.includes(marker));
    const html = await ua.postRaw(`${page.url}/passkey-sign-in/options`, `{"name": ${marker}`, { 'content-type': 'application/json', accept: 'text/html' });
    assert.equal(html.status, 400);
    assert.ok(!html.text.includes(marker));
  });
});
