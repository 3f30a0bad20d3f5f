import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminApiSuite } from './setup.js';

adminApiSuite('admin API: users', (c) => {
  test('create with a password; bad input is a problem listing each issue; duplicates are 409', async () => {
    const { token, clientId } = await c.automation();
    const created = await c.api('POST', '/users', { token, body: { email: 'Alice@Example.com', name: 'Alice', password: 'plum sextant drizzle 17', emailVerified: true } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.user.email, 'alice@example.com');
    assert.equal(created.body.user.hasPassword, true);
    assert.equal('passwordHash' in created.body.user, false);

    const bad = await c.api('POST', '/users', { token, body: { email: '', name: 'x'.repeat(201), extra: 1 } });
    assert.equal(bad.status, 400);
    assert.match(bad.headers.get('content-type')!, /^application\/problem\+json/);
    assert.equal(bad.body.code, 'admin.invalid_request');
    const paths = bad.body.errors.map((e: { path: string }) => e.path);
    assert.ok(paths.includes('body.email') && paths.includes('body.name'), JSON.stringify(bad.body.errors));

    const weak = await c.api('POST', '/users', { token, body: { email: 'weak@example.com', name: 'Weak', password: 'short' } });
    assert.equal(weak.status, 400);
    assert.match(weak.body.detail, /^password: /);
    const again = await c.api('POST', '/users', { token, body: { email: 'ALICE@example.com', name: 'Alice 2', password: 'plum sextant drizzle 17' } });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'account.email_taken');
    const json = await c.api('POST', '/users', { token, raw: '{"email":', headers: { 'content-type': 'application/json' } });
    assert.equal(json.status, 400);
    assert.equal(json.body.code, 'admin.invalid_json');

    const audit = await c.api('GET', `/audit?accountId=${created.body.user.id}&type=account.created`, { token });
    assert.deepEqual(audit.body.items[0].detail, { by: 'client', actor: clientId, invited: false, admin: false });
  });

  test('invite: no password, a single-use link mailed and returned', async () => {
    const { token } = await c.automation();
    const res = await c.api('POST', '/users', { token, body: { email: 'bob@example.com', name: 'Bob', invite: true } });
    assert.equal(res.status, 201);
    assert.equal(res.body.user.hasPassword, false);
    assert.match(res.body.inviteUrl, new RegExp(`^${c.lk.issuer}/invite/`));
    const both = await c.api('POST', '/users', { token, body: { email: 'bob2@example.com', name: 'Bob', invite: true, password: 'plum sextant drizzle 17' } });
    assert.equal(both.status, 400);
  });

  test('search by part of the address or name, any case, paged by an opaque cursor', async () => {
    const { token } = await c.automation();
    for (const n of [1, 2, 3, 4, 5]) await c.lk.createUser({ email: `pager${n}@example.org`, name: `Pager Person ${n}` });
    await c.lk.createUser({ email: 'someone@example.org', name: 'Carol PAGER' });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await c.api('GET', `/users?q=PaGeR&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token });
      assert.equal(page.status, 200);
      assert.ok(page.body.items.length <= 2);
      seen.push(...page.body.items.map((u: { email: string }) => u.email));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, ['pager1@example.org', 'pager2@example.org', 'pager3@example.org', 'pager4@example.org', 'pager5@example.org', 'someone@example.org']);
    assert.equal((await c.api('GET', '/users?q=%25', { token })).body.items.length, 0, "LIKE's % matches itself only");
    const forged = await c.api('GET', '/users?cursor=bm90IGpzb24', { token });
    assert.equal(forged.status, 400);
    assert.equal(forged.body.code, 'admin.bad_cursor');
    assert.equal((await c.api('GET', '/users?limit=500', { token })).status, 400, 'limit is bounded');
  });

  test('view, then PATCH with If-Match: 428 without, 412 when stale, 200 with the new ETag', async () => {
    const { token } = await c.automation();
    const user = await c.lk.createUser({ name: 'Dana' });
    const view = await c.api('GET', `/users/${user.id}`, { token });
    assert.equal(view.status, 200);
    const etag = view.headers.get('etag')!;
    assert.match(etag, /^"[\w-]+"$/);
    assert.deepEqual(Object.keys(view.body).sort(), ['lastSignInAt', 'lock', 'passkeys', 'recentEvents', 'sessions', 'user']);
    assert.equal(view.body.lock.locked, false);

    const missing = await c.api('PATCH', `/users/${user.id}`, { token, body: { name: 'Dana B' } });
    assert.equal(missing.status, 428);
    assert.equal(missing.body.code, 'admin.precondition_required');
    const first = await c.api('PATCH', `/users/${user.id}`, { token, body: { name: 'Dana B' }, headers: { 'if-match': etag } });
    assert.equal(first.status, 200);
    assert.equal(first.body.name, 'Dana B');
    assert.notEqual(first.headers.get('etag'), etag);
    const stale = await c.api('PATCH', `/users/${user.id}`, { token, body: { name: 'Dana C' }, headers: { 'if-match': etag } });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.code, 'admin.precondition_failed');
    assert.equal((await c.api('GET', `/users/${user.id}`, { token })).body.user.name, 'Dana B', 'the stale change was not made');
    assert.equal((await c.api('PATCH', `/users/${user.id}`, { token, body: {}, headers: { 'if-match': '*' } })).status, 400);
  });

  test('disable ends what the account holds and shows in the view; enable; admin role', async () => {
    const { token, clientId } = await c.automation();
    const user = await c.lk.createUser();
    let etag = (await c.api('GET', `/users/${user.id}`, { token })).headers.get('etag')!;
    const off = await c.api('PATCH', `/users/${user.id}`, { token, body: { disabled: true, admin: true }, headers: { 'if-match': etag } });
    assert.equal(off.status, 200);
    assert.ok(off.body.disabledAt);
    assert.equal(off.body.admin, true);
    const types = (await c.api('GET', `/audit?accountId=${user.id}`, { token })).body.items.map((e: { type: string; detail: { actor?: string } }) => [e.type, e.detail.actor]);
    assert.deepEqual(types.slice(0, 2), [['account.admin_granted', clientId], ['account.disabled', clientId]]);
    etag = off.headers.get('etag')!;
    const on = await c.api('PATCH', `/users/${user.id}`, { token, body: { disabled: false }, headers: { 'if-match': etag } });
    assert.equal(on.body.disabledAt, null);
    assert.equal((await c.api('GET', '/users/nobody', { token })).status, 404);
  });

  test('unlock, sign out everywhere, reset mail, passkey removal', async () => {
    const { token } = await c.automation();
    const user = await c.lk.createUser();
    assert.equal((await c.api('POST', `/users/${user.id}/unlock`, { token })).status, 204);
    const out = await c.api('POST', `/users/${user.id}/sign-out`, { token });
    assert.deepEqual(out.body, { sessions: 0, grants: 0, refreshTokens: 0 });
    assert.equal((await c.api('POST', `/users/${user.id}/password-reset`, { token })).status, 204);
    const { rows } = await c.open.db.query<{ template: string; recipient: string }>('SELECT template, recipient FROM mail_outbox WHERE recipient = $1', [user.email]);
    assert.deepEqual(rows, [{ template: 'reset-requested', recipient: user.email }]);
    const gone = await c.api('DELETE', `/users/${user.id}/passkeys/nope`, { token });
    assert.equal(gone.status, 404);
    assert.equal(gone.body.code, 'admin.not_found');
  });
});
