import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import { csrfToken, requireCsrf } from '../../src/pages/csrf.js';

/** A page module's shape: csrfToken on every request, requireCsrf on the POST; the binding from a header. */
async function app(issuer: string) {
  const koa = new Koa();
  koa.keys = ['newest-cookie-key', 'older-cookie-key'];
  koa.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      ctx.status = (err as { status?: number }).status ?? 500;
      ctx.body = (err as { code?: string }).code ?? 'error';
    }
  });
  koa.use(csrfToken({ issuer, bind: (ctx) => `session:${ctx.get('x-session') || '-'}` }));
  koa.use(bodyParser({ enableTypes: ['form'] }));
  koa.use(async (ctx, next) => {
    if (ctx.method === 'GET') ctx.body = String(ctx.state.csrfToken);
    else await next();
  });
  koa.use(requireCsrf());
  koa.use((ctx) => void (ctx.body = 'changed'));
  const server = createServer(koa.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

test('on an https issuer the CSRF cookie is __Host- prefixed, Secure, HttpOnly, SameSite=Lax, Path=/', async () => {
  // A TLS-terminating proxy in front: the request itself is plain http.
  const { url, close } = await app('https://id.example.com');
  try {
    const res = await fetch(url);
    const cookies = res.headers.getSetCookie();
    const main = cookies.find((c) => c.startsWith('__Host-latchkey.csrf='));
    assert.ok(main, cookies.join('\n'));
    assert.match(main, /; path=\//);
    assert.match(main, /; secure/);
    assert.match(main, /; samesite=lax/);
    assert.match(main, /; httponly/);
    assert.doesNotMatch(main, /domain=/i);
  } finally {
    await close();
  }
});

test('a token is bound to its session: another session, cross-site fetch metadata or another Origin is refused', async () => {
  const { url, close } = await app('http://localhost:3000');
  try {
    const first = await fetch(url, { headers: { 'x-session': 'A' } });
    const cookie = first.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const token = await first.text();
    const post = (session: string, headers: Record<string, string> = {}) =>
      fetch(url, {
        method: 'POST',
        headers: { cookie, 'x-session': session, 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ _csrf: token }).toString(),
      }).then(async (r) => `${r.status} ${await r.text()}`);
    assert.equal(await post('A'), '200 changed');
    assert.equal(await post('B'), '403 csrf.invalid', 'a token of session A does not work for session B');
    assert.equal(await post('A', { origin: 'http://localhost:3000', 'sec-fetch-site': 'same-origin' }), '200 changed');
    assert.equal(await post('A', { origin: 'http://evil.example' }), '403 csrf.cross_site');
    assert.equal(await post('A', { 'sec-fetch-site': 'same-site' }), '403 csrf.cross_site');
    assert.equal(await post('A', { 'sec-fetch-site': 'none' }), '403 csrf.cross_site', 'none only for a navigation the person started');
  } finally {
    await close();
  }
});
