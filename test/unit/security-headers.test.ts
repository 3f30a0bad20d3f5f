import assert from 'node:assert/strict';
import { test } from 'node:test';
import Koa from 'koa';
import { around } from '../../src/http/around.js';
import { securityHeaders } from '../../src/http/security-headers.js';
import { rawRequest } from '../helpers/raw-request.js';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

// Pages (text/html, any parameters or case) may not be framed or stored; other answers
// (JSON, static files) get the headers every answer gets, without those two.
test('HTML answers get X-Frame-Options and no-store; JSON and look-alike types do not', async () => {
  const app = new Koa();
  app.use(around([securityHeaders({ hsts: false })]));
  app.use((ctx) => {
    if (ctx.query.type === 'none') {
      ctx.status = 204;
      return;
    }
    ctx.body = 'x';
    ctx.set('Content-Type', String(ctx.query.type));
  });
  const server = createServer(app.callback()).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => new Promise((r) => server.close(r));
  try {
    for (const [type, html] of [
      ['text/html; charset=utf-8', true],
      ['TEXT/HTML', true],
      ['application/json', false],
      ['text/htmlx', false],
      ['text/plain', false],
      ['none', false], // 204: no body, no Content-Type
    ] as const) {
      const res = await rawRequest(`${url}/?type=${encodeURIComponent(type)}`);
      assert.equal(res.status, type === 'none' ? 204 : 200, type);
      assert.equal(res.headers['x-frame-options'], html ? 'DENY' : undefined, type);
      assert.equal(res.headers['cache-control'], html ? 'no-store' : undefined, type);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', type);
      assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/, type);
    }
  } finally {
    await close();
  }
});
