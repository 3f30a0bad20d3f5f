import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminApiSuite } from './setup.js';

const API = 'https://api.example.com/reports';

adminApiSuite('admin API: clients and resources', (c) => {
  test('resources: create, list, view with ETag, PATCH under If-Match; the admin API itself is reserved', async () => {
    const { token } = await c.automation();
    const created = await c.api('POST', '/resources', { token, body: { indicator: API, name: 'Reports', scopes: ['reports:read', 'reports:write'], scopeDescriptions: { 'reports:read': 'Read reports' } } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.tokenFormat, 'jwt');
    const bad = await c.api('POST', '/resources', { token, body: { indicator: 'not a url', scopes: ['a b'] } });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors.map((e: { path: string }) => e.path).sort(), ['body.indicator', 'body.scopes.0']);
    const list = await c.api('GET', '/resources', { token });
    assert.ok(list.body.items.some((r: { indicator: string }) => r.indicator === `${c.lk.issuer}/admin/api`));
    const path = `/resources/${encodeURIComponent(API)}`;
    const view = await c.api('GET', path, { token });
    assert.equal(view.status, 200);
    assert.equal(view.body.name, 'Reports');
    const etag = view.headers.get('etag')!;
    assert.equal((await c.api('PATCH', path, { token, body: { tokenFormat: 'opaque' } })).status, 428);
    const changed = await c.api('PATCH', path, { token, body: { tokenFormat: 'opaque', scopes: ['reports:read'] }, headers: { 'if-match': etag } });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.tokenFormat, 'opaque');
    assert.deepEqual(changed.body.scopeDescriptions, { 'reports:read': 'Read reports' });
    assert.equal((await c.api('PATCH', path, { token, body: { name: 'Again' }, headers: { 'if-match': etag } })).status, 412);
    const own = `/resources/${encodeURIComponent(`${c.lk.issuer}/admin/api`)}`;
    const ownEtag = (await c.api('GET', own, { token })).headers.get('etag')!;
    const refused = await c.api('PATCH', own, { token, body: { tokenFormat: 'jwt' }, headers: { 'if-match': ownEtag } });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.code, 'admin.reserved');
    assert.equal((await c.api('GET', `/resources/${encodeURIComponent('https://nowhere.example.com')}`, { token })).status, 404);
  });

  test('clients: create a machine client with admin scopes (secret once) and use it; list with cursor', async () => {
    const { token } = await c.automation();
    const created = await c.api('POST', '/clients', { token, body: { name: 'Nightly job', grantTypes: ['client_credentials'], adminScopes: ['admin:audit:read'] } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.ok(created.body.clientSecret);
    assert.deepEqual(created.body.client.resources, [{ indicator: `${c.lk.issuer}/admin/api`, scopes: ['admin:audit:read'] }]);
    const shown = await c.api('GET', `/clients/${created.body.clientId}`, { token });
    assert.ok(!JSON.stringify(shown.body).includes(created.body.clientSecret), 'the secret is never shown again');
    const issued = await c.token({ clientId: created.body.clientId, clientSecret: created.body.clientSecret }, { resource: `${c.lk.issuer}/admin/api`, scope: 'admin:audit:read' });
    assert.equal(issued.status, 200);
    assert.equal((await c.api('GET', '/audit', { token: String(issued.body.access_token) })).status, 200);

    const web = await c.api('POST', '/clients', { token, body: { name: 'Web app', redirectUris: ['https://app.example.com/cb'] } });
    assert.equal(web.status, 201);
    assert.equal(web.body.client.scope, 'openid email profile offline_access');
    const noRedirect = await c.api('POST', '/clients', { token, body: { name: 'Broken', grantTypes: ['authorization_code'] } });
    assert.equal(noRedirect.status, 400);
    assert.equal(noRedirect.body.code, 'client.invalid');
    const badScope = await c.api('POST', '/clients', { token, body: { name: 'Bad', grantTypes: ['client_credentials'], adminScopes: ['admin:everything'] } });
    assert.equal(badScope.status, 400);

    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await c.api('GET', `/clients?limit=1${cursor ? `&cursor=${cursor}` : ''}`, { token });
      ids.push(...page.body.items.map((x: { clientId: string }) => x.clientId));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.equal(new Set(ids).size, ids.length, 'no client twice');
    assert.ok(ids.includes(created.body.clientId) && ids.includes(web.body.clientId));
  });

  test('a client hands out only the admin scopes its own token holds', async () => {
    const { token } = await c.automation('admin:clients:write admin:clients:read');
    const escalate = await c.api('POST', '/clients', { token, body: { name: 'Escalator', grantTypes: ['client_credentials'], adminScopes: ['admin:users:write'] } });
    assert.equal(escalate.status, 403);
    assert.equal(escalate.body.code, 'admin.scope_escalation');
    const same = await c.api('POST', '/clients', { token, body: { name: 'Peer', grantTypes: ['client_credentials'], adminScopes: ['admin:clients:read'] } });
    assert.equal(same.status, 201);
    const etag = (await c.api('GET', `/clients/${same.body.clientId}`, { token })).headers.get('etag')!;
    const widen = await c.api('PATCH', `/clients/${same.body.clientId}`, {
      token,
      body: { resources: [{ indicator: `${c.lk.issuer}/admin/api`, scopes: ['admin:audit:read'] }] },
      headers: { 'if-match': etag },
    });
    assert.equal(widen.status, 403);
    assert.equal(widen.body.code, 'admin.scope_escalation');
  });

  test('clients: edit under If-Match, rotate and revoke secrets, delete', async () => {
    const { token } = await c.automation();
    const web = (await c.api('POST', '/clients', { token, body: { name: 'Notes', redirectUris: ['https://notes.example.com/cb'] } })).body;
    const path = `/clients/${web.clientId}`;
    const etag = (await c.api('GET', path, { token })).headers.get('etag')!;
    const edited = await c.api('PATCH', path, { token, body: { redirectUris: ['https://notes.example.com/callback'], scope: 'openid email' }, headers: { 'if-match': etag } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.deepEqual(edited.body.redirectUris, ['https://notes.example.com/callback']);
    assert.equal((await c.api('PATCH', path, { token, body: { name: 'Lost update' }, headers: { 'if-match': etag } })).status, 412);
    const apiScope = await c.api('PATCH', path, { token, body: { scope: 'reports:read' }, headers: { 'if-match': edited.headers.get('etag')! } });
    assert.equal(apiScope.status, 400);
    assert.match(apiScope.body.detail, /not an OpenID scope/);

    const rotated = await c.api('POST', `${path}/secrets`, { token, body: { overlapSeconds: 60 } });
    assert.equal(rotated.status, 201);
    assert.ok(rotated.body.clientSecret && rotated.body.secretId);
    // A secret change is a change: the ETag the editor read no longer matches.
    assert.notEqual((await c.api('GET', path, { token })).headers.get('etag'), edited.headers.get('etag'));
    assert.equal((await c.api('DELETE', `${path}/secrets/${rotated.body.secretId}`, { token })).status, 204);
    assert.equal((await c.api('DELETE', `${path}/secrets/${rotated.body.secretId}`, { token })).status, 404);

    assert.equal((await c.api('DELETE', path, { token })).status, 428);
    const current = (await c.api('GET', path, { token })).headers.get('etag')!;
    assert.equal((await c.api('DELETE', path, { token, headers: { 'if-match': current } })).status, 204);
    assert.equal((await c.api('GET', path, { token })).status, 404);
  });
});
