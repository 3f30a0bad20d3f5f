import assert from 'node:assert/strict';
import { test } from 'node:test';
import { basicAuth } from '../../helpers/client-auth.js';
import { codeFlowSuite } from './setup.js';

codeFlowSuite('code flow: unknown paths and methods', (s) => {
  test('a browser gets Latchkey\'s own 404 page, with its security headers', async () => {
    const res = await fetch(`${s.lk.issuer}/no-such-page?q=<b>MARKER</b>`, { headers: { accept: 'text/html,*/*;q=0.8' } });
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const html = await res.text();
    assert.match(html, /<title>Page not found · Latchkey<\/title>/);
    assert.ok(!html.includes('MARKER'), 'the page does not echo the address');
  });

  test('the home page is titled once, links onwards, and the favicon exists', async () => {
    const res = await fetch(`${s.lk.issuer}/`, { headers: { accept: 'text/html' } });
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /<title>Latchkey<\/title>/);
    assert.match(html, /<a href="\/account">/);
    assert.match(html, /<a href="\/.well-known\/openid-configuration">/);
    const icon = /<link rel="icon" href="([^"]+)"/.exec(html)?.[1];
    assert.ok(icon, 'the page names its icon');
    for (const path of [icon, '/favicon.ico']) {
      const got = await fetch(new URL(path, s.lk.issuer));
      assert.equal(got.status, 200, path);
      assert.equal(got.headers.get('content-type'), 'image/svg+xml', path);
      assert.match(await got.text(), /^<svg /, path);
    }
  });

  test('a JSON client gets a JSON 404', async () => {
    for (const path of ['/no-such-page', '/account/no-such-page', '/.well-known/no-such-document']) {
      const res = await fetch(`${s.lk.issuer}${path}`, { headers: { accept: 'application/json' } });
      assert.equal(res.status, 404, path);
      assert.deepEqual(await res.json(), { error: 'request.not_found', message: 'There is no page at this address.' });
    }
  });

  test('a method a path does not take gets 405 with Allow, on protocol endpoints and Latchkey\'s own pages', async () => {
    const cases: Array<[string, string, string]> = [
      ['GET', '/token', 'POST, OPTIONS'],
      ['POST', '/jwks', 'GET, HEAD, OPTIONS'],
      ['POST', '/', 'GET, HEAD'],
      ['DELETE', '/healthz', 'GET, HEAD'],
      ['PUT', '/interaction/some-uid', 'HEAD, GET'],
    ];
    for (const [method, path, allow] of cases) {
      const json = await fetch(`${s.lk.issuer}${path}`, { method, headers: { accept: 'application/json' } });
      assert.equal(json.status, 405, `${method} ${path}`);
      assert.equal(json.headers.get('allow'), allow, `${method} ${path}`);
      assert.equal(((await json.json()) as { error: string }).error, 'request.method_not_allowed');
    }
    const page = await fetch(`${s.lk.issuer}/token`, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 405);
    assert.equal(page.headers.get('allow'), 'POST, OPTIONS');
    assert.match(await page.text(), /request\.method_not_allowed/);
  });

  test('protocol endpoints keep their own OAuth error responses', async () => {
    const token = await fetch(`${s.lk.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(s.rp.clientId, s.rp.clientSecret!) },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'not-a-code', redirect_uri: s.rp.redirectUri, code_verifier: 'a'.repeat(43) }),
    });
    assert.equal(token.status, 400);
    const body = (await token.json()) as { error: string; error_description: string };
    assert.equal(body.error, 'invalid_grant');
    assert.equal(typeof body.error_description, 'string');
    const userinfo = await fetch(`${s.lk.issuer}/me`);
    assert.equal(userinfo.status, 401);
    assert.match(userinfo.headers.get('www-authenticate') ?? '', /^Bearer /);
  });
});
