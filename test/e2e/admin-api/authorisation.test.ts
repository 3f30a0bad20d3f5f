import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN_API_ROUTES } from '../../../src/admin/api/routes/index.js';
import { adminGrant } from '../../../src/admin/service/index.js';
import { redeem, relyingParty, signIn, userAgentFor } from '../../helpers/rp.js';
import { adminApiSuite, ALL_SCOPES } from './setup.js';

// One concrete path per route, with ids that need not exist (authorisation comes first).
const concrete = (path: string) => path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'indicator' ? encodeURIComponent('https://api.example.com/x') : 'nobody'));

adminApiSuite('admin API: authorisation fails closed', (c) => {
  test('every route: no token → 401 with an RFC 6750 challenge and a problem', async () => {
    for (const r of ADMIN_API_ROUTES) {
      const res = await c.api(r.method.toUpperCase(), concrete(r.path), r.body ? { body: {} } : {});
      assert.equal(res.status, 401, `${r.method} ${r.path}`);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="latchkey-admin"', r.path);
      assert.match(res.headers.get('content-type')!, /^application\/problem\+json/);
      assert.equal(res.body.code, 'admin.token_required');
      assert.equal(res.body.status, 401);
    }
  });

  test('every route: a token without the route scope → 403 insufficient_scope naming it', async () => {
    // Only a scope no route uses alone would do: take each route's scope away in turn.
    const tokens = new Map<string, string>();
    for (const r of ADMIN_API_ROUTES) {
      const others = ALL_SCOPES.split(' ').filter((s) => s !== r.scope).join(' ');
      if (!tokens.has(r.scope)) tokens.set(r.scope, (await c.automation(others)).token);
      const res = await c.api(r.method.toUpperCase(), concrete(r.path), { token: tokens.get(r.scope)!, ...(r.body ? { body: {} } : {}) });
      assert.equal(res.status, 403, `${r.method} ${r.path}`);
      assert.equal(res.body.code, 'admin.insufficient_scope');
      assert.equal(res.headers.get('www-authenticate'), `Bearer realm="latchkey-admin", error="insufficient_scope", error_description="this request needs the scope ${r.scope}", scope="${r.scope}"`);
    }
  });

  test('a garbled, unknown or malformed token → 401 invalid_token', async () => {
    for (const token of ['x', 'a'.repeat(43), 'not a token at all']) {
      const res = await c.api('GET', '/users', { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 401, token);
      assert.match(res.headers.get('www-authenticate')!, /error="(invalid_token|invalid_request)"/);
    }
    const basic = await c.api('GET', '/users', { headers: { authorization: 'Basic Zm9vOmJhcg==' } });
    assert.equal(basic.status, 401);
    assert.equal(basic.body.code, 'admin.invalid_request');
  });

  test('a token for another resource → 401', async () => {
    await c.api('POST', '/resources', { token: (await c.automation()).token, body: { indicator: 'https://api.example.com/reports', scopes: ['reports:read'], tokenFormat: 'opaque' } });
    const { clientId, clientSecret } = await c.automation();
    const grant = await c.api('PATCH', `/clients/${clientId}`, {
      token: (await c.automation()).token,
      body: { resources: [{ indicator: `${c.lk.issuer}/admin/api`, scopes: ['admin:users:read'] }, { indicator: 'https://api.example.com/reports', scopes: ['reports:read'] }] },
      headers: { 'if-match': (await c.api('GET', `/clients/${clientId}`, { token: (await c.automation()).token })).headers.get('etag')! },
    });
    assert.equal(grant.status, 200, JSON.stringify(grant.body));
    const other = await c.token({ clientId, clientSecret }, { resource: 'https://api.example.com/reports', scope: 'reports:read' });
    assert.equal(other.status, 200);
    const res = await c.api('GET', '/users', { token: String(other.body.access_token) });
    assert.equal(res.status, 401);
    assert.match(res.body.detail, /not for .*\/admin\/api/);
  });

  test('a disabled admin client → 401 at once; enabled again, its token works again', async () => {
    const admin = await c.automation();
    const target = await c.automation('admin:users:read');
    assert.equal((await c.api('GET', '/users', { token: target.token })).status, 200);
    const etag = (await c.api('GET', `/clients/${target.clientId}`, { token: admin.token })).headers.get('etag')!;
    const off = await c.api('PATCH', `/clients/${target.clientId}`, { token: admin.token, body: { disabled: true }, headers: { 'if-match': etag } });
    assert.equal(off.status, 200);
    const refused = await c.api('GET', '/users', { token: target.token });
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate')!, /error="invalid_token"/);
  });

  test('a scope taken from the client stops counting for tokens already issued', async () => {
    const admin = await c.automation();
    const target = await c.automation('admin:users:read admin:audit:read');
    const etag = (await c.api('GET', `/clients/${target.clientId}`, { token: admin.token })).headers.get('etag')!;
    const narrowed = await c.api('PATCH', `/clients/${target.clientId}`, {
      token: admin.token,
      body: { resources: [{ indicator: `${c.lk.issuer}/admin/api`, scopes: ['admin:audit:read'] }] },
      headers: { 'if-match': etag },
    });
    assert.equal(narrowed.status, 200);
    assert.equal((await c.api('GET', '/users', { token: target.token })).status, 403);
    assert.equal((await c.api('GET', '/audit', { token: target.token })).status, 200);
  });

  test("an end user's token for the admin API resource is refused: client credentials only", async () => {
    // A web client granted the admin resource gets a token for it in a user's name; the API still says no.
    const app = await c.lk.createClient({ resources: [adminGrant(c.lk.issuer, 'admin:users:read')] });
    const rp = await relyingParty(c.lk, app);
    const user = await c.lk.createUser();
    const { callback, started } = await signIn(userAgentFor(rp), rp, user, { resource: `${c.lk.issuer}/admin/api`, scope: 'openid admin:users:read' });
    const tokens = await redeem(rp, callback, started);
    const res = await c.api('GET', '/users', { token: tokens.access_token });
    assert.equal(res.status, 401);
    assert.equal(res.body.code, 'admin.invalid_token');
    assert.match(res.body.detail, /client-credentials tokens only/);
  });

  test('unknown routes and methods are problems too', async () => {
    const { token } = await c.automation();
    const missing = await c.api('GET', '/nothing-here', { token });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'admin.not_found');
    const wrong = await c.api('PUT', '/users', { token });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.body.code, 'admin.method_not_allowed');
  });
});
