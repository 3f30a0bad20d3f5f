import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startLatchkey } from '../../helpers/latchkey.js';
import { rawRequest } from '../../helpers/raw-request.js';
import { startAuthorization } from '../../helpers/rp.js';
import { codeFlowSuite } from './setup.js';

const DISCOVERY = '/.well-known/openid-configuration';

/** Every URL-valued member of a discovery document. */
function urlsOf(doc: Record<string, unknown>): string[] {
  return Object.values(doc).filter((v): v is string => typeof v === 'string' && /^https?:/.test(v));
}

function assertOnIssuer(doc: Record<string, unknown>, issuer: string) {
  const urls = urlsOf(doc);
  assert.ok(urls.length >= 5, 'discovery lists its endpoints');
  for (const url of urls) assert.ok(url === issuer || url.startsWith(`${issuer}/`), url);
}

codeFlowSuite('code flow: one host', (s) => {
  test('another Host, a loopback alias or an absolute-form target for another host gets 421; the health endpoints answer on any host', async () => {
    const { issuer } = s.lk;
    const loopback = `127.0.0.1:${new URL(issuer).port}`;
    for (const headers of [{ host: 'evil.example' }, { host: loopback }, { host: 'LOCALHOST.evil.example' }]) {
      const page = await rawRequest(`${issuer}${DISCOVERY}`, { headers: { ...headers, accept: 'text/html' } });
      assert.equal(page.status, 421, headers.host);
      assert.match(page.text, /<title>Wrong address/);
      assert.doesNotMatch(page.text, /evil\.example|authorization_endpoint/);
      const json = await rawRequest(`${issuer}${DISCOVERY}`, { headers: { ...headers, accept: 'application/json' } });
      assert.equal(json.status, 421);
      assert.equal((JSON.parse(json.text) as { error: string }).error, 'request.misdirected');
    }
    // A real client that reaches Latchkey by its IP instead of the issuer's name.
    assert.equal((await fetch(`http://${loopback}${DISCOVERY}`)).status, 421);
    const started = await startAuthorization(s.rp);
    const auth = await fetch(`http://${loopback}${started.url.pathname}${started.url.search}`, { redirect: 'manual' });
    assert.equal(auth.status, 421);
    assert.equal(auth.headers.get('location'), null, 'no sign-in started on another name');
    const absolute = await rawRequest(`${issuer}${DISCOVERY}`, { target: `http://evil.example${DISCOVERY}` });
    assert.equal(absolute.status, 421, 'RFC 9112 §3.2.2: the absolute-form target names the host');
    for (const path of ['/healthz', '/readyz']) {
      assert.equal((await rawRequest(`${issuer}${path}`, { headers: { host: loopback } })).status, 200, path);
    }
    assert.equal((await rawRequest(`${issuer}${DISCOVERY}`, { target: `${issuer}${DISCOVERY}` })).status, 200, 'its own name in absolute form');
  });

  test('forged X-Forwarded-Host / X-Forwarded-Proto from an untrusted peer change neither discovery nor the sign-in redirect', async () => {
    const { issuer } = s.lk;
    const forged = { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', forwarded: 'host=evil.example;proto=https' };
    const plain = JSON.parse((await rawRequest(`${issuer}${DISCOVERY}`)).text) as Record<string, unknown>;
    const reply = await rawRequest(`${issuer}${DISCOVERY}`, { headers: forged });
    assert.equal(reply.status, 200);
    const doc = JSON.parse(reply.text) as Record<string, unknown>;
    assert.deepEqual(doc, plain);
    assertOnIssuer(doc, issuer);

    const started = await startAuthorization(s.rp);
    const auth = await rawRequest(started.url.href, { headers: forged });
    assert.equal(auth.status, 303);
    assert.match(String(auth.headers.location), new RegExp(`^${issuer}/interaction/[\\w-]+$`), 'the sign-in page is on the issuer');
  });

  test('discovery and the JWKS may be cached briefly', async () => {
    const meta = s.rp.config.serverMetadata();
    for (const url of [`${s.lk.issuer}${DISCOVERY}`, meta.jwks_uri!]) {
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=300', url);
      const etag = res.headers.get('etag');
      assert.match(String(etag), /^"[\w-]+"$/, `${url}: a strong ETag`);
      const body = await res.text();
      const again = await fetch(url);
      assert.equal(again.headers.get('etag'), etag, 'the same bytes, the same tag');
      assert.equal(await again.text(), body);
      assert.match(String(again.headers.get('content-type')), /^application\/json/);
      const revalidated = await fetch(url, { headers: { 'if-none-match': `"other", ${etag}` } });
      assert.equal(revalidated.status, 304, `${url}: unchanged since the tag`);
      assert.equal(await revalidated.text(), '');
      const browser = await fetch(url, { headers: { origin: 'https://app.example.com' } });
      assert.equal(browser.headers.get('access-control-allow-origin'), 'https://app.example.com', 'a browser still gets its CORS answer');
      assert.equal(await browser.text(), body);
    }
  });

  test('discovery and the JWKS answer the same headers and bytes every time, and a forged host is refused however warm they are', async () => {
    // A Latchkey of its own, so the first answer certainly comes from the engine.
    const fresh = await startLatchkey(s.lk.backend);
    try {
      const perResponse = new Set(['date', 'x-request-id', 'connection', 'keep-alive']);
      const stable = (headers: Record<string, unknown>) => Object.fromEntries(Object.entries(headers).filter(([name]) => !perResponse.has(name)));
      const discovery = await rawRequest(`${fresh.issuer}${DISCOVERY}`);
      const jwksUri = String((JSON.parse(discovery.text) as { jwks_uri: string }).jwks_uri);
      await checkRepeats(`${fresh.issuer}${DISCOVERY}`, discovery);
      await checkRepeats(jwksUri, await rawRequest(jwksUri));
      async function checkRepeats(url: string, first: Awaited<ReturnType<typeof rawRequest>>) {
        for (let i = 0; i < 3; i++) {
          const again = await rawRequest(url);
          assert.equal(again.status, 200);
          assert.deepEqual(stable(again.headers), stable(first.headers), `${url}: the headers of the first answer`);
          assert.equal(again.text, first.text);
          assert.match(String(again.headers['x-request-id']), /^[\w-]{36}$/, 'a request id of its own');
          assert.notEqual(again.headers['x-request-id'], first.headers['x-request-id']);
        }
        assert.equal((await rawRequest(url, { headers: { 'x-request-id': 'rp-trace.42' } })).headers['x-request-id'], 'rp-trace.42');
        const head = await rawRequest(url, { method: 'HEAD' });
        assert.equal(head.status, 200);
        assert.equal(head.text, '');
        assert.equal(head.headers['content-length'], first.headers['content-length']);
        const notModified = await rawRequest(url, { headers: { 'if-none-match': String(first.headers.etag) } });
        assert.equal(notModified.status, 304);
        assert.equal(notModified.headers.etag, first.headers.etag);
        assert.equal(notModified.headers['cache-control'], 'public, max-age=300');
        assert.equal(notModified.text, '');
        for (const host of ['evil.example', `127.0.0.1:${new URL(url).port}`, new URL(url).host.toUpperCase()]) {
          const refused = await rawRequest(url, { headers: { host } });
          assert.equal(refused.status, host === new URL(url).host.toUpperCase() ? 200 : 421, host);
          if (refused.status === 421) assert.doesNotMatch(refused.text, /"keys"|authorization_endpoint/);
        }
        // From a peer that is no trusted proxy the header is dropped: the same document.
        assert.equal((await rawRequest(url, { headers: { 'x-forwarded-host': 'evil.example' } })).text, first.text);
        assert.equal((await rawRequest(`${url}?x=1`)).status, 200, 'a query string takes the long way');
      }
    } finally {
      await fresh.close();
    }
  });

  test('behind a trusted proxy the forwarded host is the one checked; exempt paths are configurable', async () => {
    const proxied = await startLatchkey(s.lk.backend, { LATCHKEY_TRUSTED_PROXIES: '127.0.0.1', LATCHKEY_HOST_CHECK_EXEMPT_PATHS: '/healthz' });
    try {
      const { issuer } = proxied;
      const issuerHost = new URL(issuer).host;
      // The proxy connects by an internal name and forwards the public one.
      const viaProxy = await rawRequest(`${issuer}${DISCOVERY}`, { headers: { host: 'latchkey.internal', 'x-forwarded-host': issuerHost } });
      assert.equal(viaProxy.status, 200);
      assertOnIssuer(JSON.parse(viaProxy.text) as Record<string, unknown>, issuer);
      const forwardedElsewhere = await rawRequest(`${issuer}${DISCOVERY}`, { headers: { 'x-forwarded-host': 'evil.example' } });
      assert.equal(forwardedElsewhere.status, 421);
      assert.equal((await rawRequest(`${issuer}/healthz`, { headers: { host: 'latchkey.internal' } })).status, 200);
      assert.equal((await rawRequest(`${issuer}/readyz`, { headers: { host: 'latchkey.internal' } })).status, 421, 'only the configured paths are exempt');
    } finally {
      await proxied.close();
    }
  });
});
