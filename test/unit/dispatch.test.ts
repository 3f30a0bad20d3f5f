import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Context } from 'koa';
import { dispatch, prefixPattern } from '../../src/http/dispatch.js';
import type { PageModule } from '../../src/pages/page-module.js';

test('a prefix matches itself and the paths below it; / is the home page only', () => {
  const account = prefixPattern(['/account']);
  assert.deepEqual(['/account', '/account/', '/account/passkeys'].map((p) => account.test(p)), [true, true, true]);
  assert.deepEqual(['/accounts', '/', '/token', '/x/account'].map((p) => account.test(p)), [false, false, false, false]);
  const home = prefixPattern(['/']);
  assert.deepEqual(['/', '/token', '/.well-known/openid-configuration'].map((p) => home.test(p)), [true, false, false]);
  assert.equal(prefixPattern(['/a.b']).test('/aXb'), false, 'prefixes are literal');
  assert.equal(prefixPattern([]).test('/'), false);
});

test('each page module sees only its own paths; protocol requests skip them all', async () => {
  const seen: string[] = [];
  const module = (name: string, prefixes: string[]): PageModule => ({
    prefixes,
    middleware: async (ctx, next) => {
      seen.push(`${name} ${ctx.path}`);
      await next();
    },
  });
  const pages = dispatch([module('home', ['/']), module('health', ['/healthz', '/readyz']), module('account', ['/account'])]);
  const reached: string[] = [];
  for (const path of ['/', '/readyz', '/account/passkeys', '/token', '/.well-known/openid-configuration']) {
    await pages({ path } as Context, async () => void reached.push(path));
  }
  assert.deepEqual(seen, ['home /', 'health /readyz', 'account /account/passkeys']);
  assert.equal(reached.length, 5, 'a page request no module answers still reaches oidc-provider');
});
