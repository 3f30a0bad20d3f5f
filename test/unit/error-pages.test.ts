import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import Koa from 'koa';
import { errors } from 'oidc-provider';
import { z } from 'zod';
import { AppError } from '../../src/common/errors.js';
import { createLogger } from '../../src/common/logger.js';
import { around } from '../../src/http/around.js';
import { errorPages } from '../../src/http/error-pages.js';
import { CsrfError } from '../../src/pages/csrf.js';

const THROWN: Record<string, () => unknown> = {
  '/taken': () => new AppError('account.email_taken', 'An account with this email address already exists.', { status: 409 }),
  '/internal': () => new AppError('storage.broken', 'connection to 10.0.0.7 refused', { status: 503 }),
  '/csrf': () => new CsrfError(),
  '/session': () => new errors.SessionNotFound('interaction session not found'),
  '/expired': () => new AppError('interaction.expired', 'interaction mismatch'),
  '/zod': () => z.object({ name: z.string() }).parse({ name: 42 }),
  '/plain': () => new Error('secret detail'),
  // What @koa/bodyparser (co-body) throws for malformed JSON: status 400, the raw body attached.
  '/bad-json': () => Object.assign(new SyntaxError('Unexpected token \'M\', "{"a": MARKER-1" is not valid JSON'), { status: 400, body: '{"a": MARKER-1' }),
  '/own-bug': () => new SyntaxError('Unexpected token in internal data MARKER-2'),
};

let base: string;
let close: () => void;
before(async () => {
  const app = new Koa();
  app.use(around([errorPages(createLogger('silent'))]));
  app.use(async (ctx) => {
    const make = THROWN[ctx.path];
    if (make) throw make();
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
after(() => close());

const json = async (path: string, headers: Record<string, string>) => {
  const res = await fetch(base + path, { headers });
  return { status: res.status, body: (await res.json()) as { error: string; message: string } };
};
const html = async (path: string) => {
  const res = await fetch(base + path, { headers: { accept: 'text/html' } });
  return { status: res.status, text: await res.text() };
};

test('AppError: its status, code and exposed message, as JSON or a page by Accept', async () => {
  assert.deepEqual(await json('/taken', { accept: 'application/json' }), {
    status: 409,
    body: { error: 'account.email_taken', message: 'An account with this email address already exists.' },
  });
  const page = await html('/taken');
  assert.equal(page.status, 409);
  assert.match(page.text, /Request not accepted/);
  assert.match(page.text, /already exists/);
  assert.equal((await json('/csrf', { accept: 'application/json' })).status, 403);
});

test('a JSON request body gets JSON whatever it accepts', async () => {
  const res = await fetch(`${base}/csrf`, { method: 'POST', headers: { 'content-type': 'application/json', accept: '*/*' }, body: '{}' });
  assert.equal(res.status, 403);
  assert.equal(((await res.json()) as { error: string }).error, 'csrf.invalid');
});

test('5xx never shows the message', async () => {
  for (const path of ['/internal', '/plain']) {
    const { status, body } = await json(path, { accept: 'application/json' });
    assert.ok(status >= 500);
    assert.equal(body.error, 'server_error');
    assert.doesNotMatch(body.message, /10\.0\.0\.7|secret detail/);
    assert.doesNotMatch((await html(path)).text, /10\.0\.0\.7|secret detail/);
  }
});

test('SessionNotFound and interaction.expired show the expired page; zod errors are 400', async () => {
  for (const path of ['/session', '/expired']) {
    const page = await html(path);
    assert.equal(page.status, 400);
    assert.match(page.text, /This sign-in page has expired/);
  }
  assert.deepEqual((await json('/zod', { accept: 'application/json' })).body.error, 'invalid_request');
  assert.equal((await html('/zod')).status, 400);
});

test('malformed JSON from the body parser is a 400 that never echoes the body; Latchkey\'s own SyntaxError stays a 500', async () => {
  const bad = await json('/bad-json', { accept: 'application/json' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error, 'invalid_request');
  assert.doesNotMatch(JSON.stringify(bad.body), /MARKER/);
  const page = await html('/bad-json');
  assert.equal(page.status, 400);
  assert.doesNotMatch(page.text, /MARKER/);
  const own = await json('/own-bug', { accept: 'application/json' });
  assert.equal(own.status, 500);
  assert.doesNotMatch(JSON.stringify(own.body), /MARKER/);
});
