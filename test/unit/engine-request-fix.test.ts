import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { engineHasRequestFix } from '../../src/provider/oidc-internals.js';
import { promotedPerOperation } from '../helpers/promotion.js';

// Nothing is kept per token: what the old generation gains comes from the requests alone.
class NoStorage {
  async upsert() {}
  async find() {
    return undefined;
  }
  async findByUid() {
    return undefined;
  }
  async findByUserCode() {
    return undefined;
  }
  async consume() {}
  async destroy() {}
  async revokeByGrantId() {}
}

const SECRET = 'a-long-enough-client-secret-for-tests-0123456789';

/** The engine alone, one client-credentials client; `around` runs before the engine's routes. */
async function engine(around?: (ctx: KoaContextWithOIDC) => void): Promise<{ provider: Provider; server: Server; token: () => Promise<void>; seen: KoaContextWithOIDC[] }> {
  const provider = new Provider('http://localhost', {
    adapter: NoStorage,
    clients: [{ client_id: 'job', client_secret: SECRET, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] }],
    features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
  });
  const seen: KoaContextWithOIDC[] = [];
  provider.use(async (ctx, next) => {
    around?.(ctx as KoaContextWithOIDC);
    await next();
    if (seen.length < 2) seen.push(ctx as KoaContextWithOIDC);
  });
  const server = createServer(provider.callback());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const headers = { authorization: `Basic ${Buffer.from(`job:${SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' };
  const token = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/token', method: 'POST', agent, headers }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end('grant_type=client_credentials');
    });
  server.on('close', () => agent.destroy());
  return { provider, server, token, seen };
}

test('the installed engine keeps a request context without an accessor of its own per request', async (t) => {
  const { provider, server, token, seen } = await engine();
  t.after(() => server.close());
  assert.equal(engineHasRequestFix(provider), true, 'npm postinstall did not apply patches/oidc-provider+*.patch');
  await token();
  const ctx = seen[0]!;
  assert.equal(Object.getOwnPropertyDescriptor(ctx, 'oidc'), undefined);
  assert.equal(ctx.oidc.route, 'token');
  assert.equal(ctx.oidc, ctx.oidc, 'one OIDCContext per request');
  assert.equal(ctx.oidc.client?.clientId, 'job');
  // A request no engine route took has no OIDCContext, as before the fix.
  const other = provider.createContext(ctx.req, ctx.res);
  assert.equal(other.oidc, undefined);
});

test('finished token requests are collected young instead of being promoted to the old generation', async (t) => {
  const fixed = await engine();
  t.after(() => fixed.server.close());
  // The control: the pattern the fix removed, an accessor with a closure of its own on each request.
  const control = await engine((ctx) => Object.defineProperty(ctx, 'heldByAccessor', { get: () => ctx }));
  t.after(() => control.server.close());
  const [withFix, withAccessor] = [await promotedPerOperation(fixed.token), await promotedPerOperation(control.token)];
  t.diagnostic(`old space per request: ${withFix.toFixed(0)} B with the fix, ${withAccessor.toFixed(0)} B with a per-request accessor`);
  assert.ok(withAccessor > 4096, `the control should promote each request (${withAccessor.toFixed(0)} B): the measurement means nothing otherwise`);
  assert.ok(withFix < withAccessor / 4, `${withFix.toFixed(0)} B per request promoted with the fix`);
});
