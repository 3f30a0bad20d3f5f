import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { apiKeyToken, createUserApiKey } from '../../helpers/api-keys.js';
import { backends } from '../../helpers/backends.js';
import { UserAgent } from '../../helpers/user-agent.js';
import { adminSetup, csrfOf } from './setup.js';

/**
 * The console's pages over HTTP, where Chromium adds nothing: paging, refusals an admin
 * can read, two admins editing one client, secrets shown once, the JSON-lines export.
 */
describe('admin console pages', () => {
  const s = adminSetup(backends()[0]!);

  test('users are searched by address or name and paged by cursor', async () => {
    const admin = await s.makeUser();
    for (let i = 0; i < 27; i += 1) await s.lk.createUser({ email: `pager${String(i).padStart(2, '0')}@example.com`, name: `Pager ${i}` });
    const ua = new UserAgent();
    await s.signInToConsole(ua, admin);
    const first = await ua.go(`${s.lk.issuer}/admin/users?q=pager`);
    assert.equal([...first.html.matchAll(/href="\/admin\/users\/(?!new")[^"/]+"/g)].length, 25);
    const next = /href="([^"]*cursor=[^"]+)" rel="next"/.exec(first.html)?.[1];
    assert.ok(next, 'a next-page link');
    const second = await ua.go(new URL(next.replace(/&amp;/g, '&'), s.lk.issuer).toString());
    assert.equal([...second.html.matchAll(/href="\/admin\/users\/(?!new")[^"/]+"/g)].length, 2);
    assert.match(second.html, /pager26@example\.com/);
    assert.doesNotMatch(second.html, /rel="next"/);
    const byName = await ua.go(`${s.lk.issuer}/admin/users?q=${encodeURIComponent('Pager 13')}`);
    assert.match(byName.html, /pager13@example\.com/);
    const none = await ua.go(`${s.lk.issuer}/admin/users?q=nobody-at-all`);
    assert.match(none.html, /No user matches/);
    const forged = await ua.go(`${s.lk.issuer}/admin/users?cursor=not*a*cursor`);
    assert.equal(forged.status, 400);
  });

  test('adding a user: done, then the same address again is refused on its field (aria-invalid, described, focused)', async () => {
    const admin = await s.makeUser();
    const ua = new UserAgent();
    await s.signInToConsole(ua, admin);
    const form = await ua.go(`${s.lk.issuer}/admin/users/new`);
    const fields = { email: 'Carol@Example.com', name: 'Carol', mode: 'password', password: 'a long enough password for carol' };
    const added = await ua.submit(form, '/admin/users', fields);
    assert.equal(added.status, 200);
    assert.match(added.html, /role="status">The user was created\./);
    assert.match(added.html, /carol@example\.com/);
    const again = await ua.submit(await ua.go(`${s.lk.issuer}/admin/users/new`), '/admin/users', fields);
    assert.equal(again.status, 409);
    assert.match(again.html, /<input id="email" name="email"[^>]* aria-describedby="email-error" aria-invalid="true" autofocus>/);
    assert.match(again.html, /id="email-error">An account with this email address already exists\./);
    assert.match(again.html, /value="Carol@Example.com"/, 'what was typed is kept');
  });

  test('an admin cannot disable themselves: the page says so, and nothing changes', async () => {
    const admin = await s.makeUser();
    const ua = new UserAgent();
    const page = await s.signInToConsole(ua, admin);
    const refused = await ua.go(`${s.lk.issuer}/admin/users/${admin.id}/disable`, { method: 'POST', body: new URLSearchParams({ _csrf: csrfOf(page) }) });
    assert.equal(refused.status, 409);
    assert.match(refused.html, /role="alert"[^>]*>You cannot disable your own account/);
    assert.equal((await ua.go(`${s.lk.issuer}/admin/users`)).status, 200, 'still signed in and enabled');
  });

  test('two admins edit one client: the second save is refused with 412, not silently applied', async () => {
    const [a, b] = [await s.makeUser(), await s.makeUser()];
    const uaA = new UserAgent();
    const uaB = new UserAgent();
    await s.signInToConsole(uaA, a);
    await s.signInToConsole(uaB, b);
    const { clientId } = await s.lk.createClient({ name: 'Shared app' });
    const pageA = await uaA.go(`${s.lk.issuer}/admin/clients/${clientId}`);
    const pageB = await uaB.go(`${s.lk.issuer}/admin/clients/${clientId}`);
    // The edit form: its CSRF token and the ETag the page was built from.
    const edit = (page: typeof pageA, name: string) =>
      new URLSearchParams({ _csrf: csrfOf(page), etag: /name="etag" value="([^"]+)"/.exec(page.html)![1]!.replace(/&#34;/g, '"'), name, redirectUris: 'http://localhost:8089/callback', scope: 'email' });
    const saved = await uaA.go(`${s.lk.issuer}/admin/clients/${clientId}`, { method: 'POST', body: edit(pageA, 'Shared app (A)') });
    assert.equal(saved.status, 200);
    assert.match(saved.html, /The client was saved/);
    const stale = await uaB.go(`${s.lk.issuer}/admin/clients/${clientId}`, { method: 'POST', body: edit(pageB, 'Shared app (B)') });
    assert.equal(stale.status, 412);
    assert.match(stale.html, /Another admin changed this client/);
    assert.match(stale.html, /value="Shared app \(A\)"/, 'the page shows the other admin\'s version');
  });

  test('a rotated secret is shown once, works at the token endpoint, and is on no later page', async () => {
    const admin = await s.makeUser();
    const ua = new UserAgent();
    await s.signInToConsole(ua, admin);
    const { clientId } = await s.lk.createClient({ name: 'Rotating app' });
    const page = await ua.go(`${s.lk.issuer}/admin/clients/${clientId}`);
    const shown = await ua.submit(page, '/secrets/rotate', { overlap: '0' });
    const secret = /id="client-secret">([^<]+)</.exec(shown.html)?.[1];
    assert.ok(secret);
    assert.equal(shown.headers.get('cache-control'), 'no-store');
    const later = await ua.go(`${s.lk.issuer}/admin/clients/${clientId}`);
    assert.ok(!later.html.includes(secret));
    const token = await fetch(`${s.lk.issuer}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', redirect_uri: 'http://localhost:8089/callback', code_verifier: 'v'.repeat(43) }),
    });
    // Authenticated (the code is what is wrong), so the new secret is the client's.
    assert.equal(((await token.json()) as { error: string }).error, 'invalid_grant');
  });

  test("the user view lists the user's API keys; Revoke… confirms, then the key stops working and the audit names the admin", async () => {
    const admin = await s.makeUser();
    const owner = await s.lk.createUser({ email: 'erin.console-keys@example.com', name: 'Erin' });
    const ua = new UserAgent();
    await s.signInToConsole(ua, admin);
    const empty = await ua.go(`${s.lk.issuer}/admin/users/${owner.id}`);
    assert.match(empty.html, /<h2 id="h-api-keys">API keys<\/h2>\s*<p class="empty">No API keys\./);

    const key = await createUserApiKey(s.open.db, s.lk.config, owner.id, 'Nightly <export>');
    assert.equal((await apiKeyToken(s.lk.issuer, key)).status, 200);
    const view = await ua.go(`${s.lk.issuer}/admin/users/${owner.id}`);
    assert.match(view.html, /<caption class="visually-hidden">API keys of erin\.console-keys@example\.com<\/caption>/);
    assert.match(view.html, /<td data-label="Name">Nightly &lt;export&gt;/, 'the name, escaped');
    assert.match(view.html, /<td data-label="Scopes"><div>Reports API: <code>reports:read<\/code><\/div><\/td>/);
    assert.match(view.html, /<td data-label="Last used"><span class="muted">Never<\/span>/);
    assert.doesNotMatch(view.html, /Expired/);
    assert.doesNotMatch(view.html, new RegExp(key.clientSecret), 'never the secret');
    const revokeUrl = `/admin/users/${owner.id}/api-keys/${key.clientId}/revoke`;
    assert.ok(view.html.includes(`href="${revokeUrl}"`), 'a Revoke… link per key');

    const confirm = await ua.go(`${s.lk.issuer}${revokeUrl}`);
    assert.equal(confirm.status, 200);
    assert.match(confirm.html, /Revoke this API key\?/);
    assert.equal((await apiKeyToken(s.lk.issuer, key)).status, 200, 'the confirmation page changes nothing');
    const forged = await ua.go(`${s.lk.issuer}${revokeUrl}`, { method: 'POST', body: new URLSearchParams({ _csrf: 'forged' }) });
    assert.equal(forged.status, 403, 'no CSRF token, no revocation');
    assert.equal((await apiKeyToken(s.lk.issuer, key)).status, 200);

    const done = await ua.submit(confirm, revokeUrl);
    assert.equal(done.status, 200);
    assert.equal(new URL(done.url).pathname, `/admin/users/${owner.id}`);
    assert.match(done.html, /role="status">The API key was revoked/);
    assert.match(done.html, /<p class="empty">No API keys\./);
    const refused = await apiKeyToken(s.lk.issuer, key);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'invalid_client');
    assert.equal((await ua.go(`${s.lk.issuer}${revokeUrl}`)).status, 404, 'a revoked key has no confirmation page');

    const audit = await ua.go(`${s.lk.issuer}/admin/audit?type=api_key.revoked&account=${encodeURIComponent(owner.id)}`);
    assert.match(audit.html, /api_key\.revoked/);
    assert.ok(audit.html.includes(`&#34;by&#34;:{&#34;admin&#34;:&#34;${admin.id}&#34;}`), 'the event names the admin');
  });

  test("another user's key is not found under this user", async () => {
    const admin = await s.makeUser();
    const [frank, grace] = [await s.lk.createUser({ email: 'frank.console-keys@example.com' }), await s.lk.createUser({ email: 'grace.console-keys@example.com' })];
    const key = await createUserApiKey(s.open.db, s.lk.config, frank.id);
    const ua = new UserAgent();
    const page = await s.signInToConsole(ua, admin);
    assert.equal((await ua.go(`${s.lk.issuer}/admin/users/${grace.id}/api-keys/${key.clientId}/revoke`)).status, 404);
    const posted = await ua.go(`${s.lk.issuer}/admin/users/${grace.id}/api-keys/${key.clientId}/revoke`, { method: 'POST', body: new URLSearchParams({ _csrf: csrfOf(page) }) });
    assert.equal(posted.status, 404);
    assert.equal((await apiKeyToken(s.lk.issuer, key)).status, 200, 'still works');
  });

  test('the audit log filters by type and exports JSON lines', async () => {
    const admin = await s.makeUser();
    const ua = new UserAgent();
    await s.signInToConsole(ua, admin);
    const page = await ua.go(`${s.lk.issuer}/admin/audit?type=admin.signed_in&account=${encodeURIComponent(admin.email)}`);
    assert.equal(page.status, 200);
    assert.match(page.html, /<caption>Audit events, newest first \(filtered\)<\/caption>/);
    const res = await fetch(`${s.lk.issuer}/admin/audit/export?type=admin.signed_in&account=${encodeURIComponent(admin.id)}`, { headers: { cookie: cookieOf(ua) } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/x-ndjson/);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="latchkey-audit-.*\.jsonl"/);
    const events = (await res.text()).trim().split('\n').map((line) => JSON.parse(line) as { type: string; accountId: string });
    assert.equal(events.length, 1);
    assert.deepEqual([events[0]!.type, events[0]!.accountId], ['admin.signed_in', admin.id]);
    const bad = await ua.go(`${s.lk.issuer}/admin/audit?since=yesterday`);
    assert.equal(bad.status, 400);
    assert.match(bad.html, /aria-invalid="true"/);
  });
});

/** The browser's cookies as a header, for a request the user agent would follow as a page. */
function cookieOf(ua: UserAgent): string {
  return (ua as unknown as { cookies: { header(): string } }).cookies.header();
}
