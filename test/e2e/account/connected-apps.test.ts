import assert from 'node:assert/strict';
import { test } from 'node:test';
import { oidc, redeem, signIn } from '../../helpers/rp.js';
import type { Page } from '../../helpers/user-agent.js';
import { accountSuite, links } from './setup.js';

function apps(page: Page): string[] {
  const list = /<h2 id="apps">[\s\S]*?(?:<ul class="items">([\s\S]*?)<\/ul>|<p class="muted">)/.exec(page.html)?.[1] ?? '';
  return [...list.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim());
}

const offline = { scope: 'openid email offline_access', prompt: 'consent' };
const invalidGrant = (err: { error?: string }) => err.error === 'invalid_grant';

accountSuite('account page: connected apps', (s) => {
  test("lists the apps with what they may use; removing one ends its refresh and access tokens", async () => {
    const alice = await s.lk.createUser({ email: 'alice.apps@example.com' });
    const ua = s.browser();
    const notes = await signIn(ua, s.notes, alice, offline);
    const notesTokens = await redeem(s.notes, notes.callback, notes.started);
    const calendar = await signIn(ua, s.calendar, alice, offline);
    const calendarTokens = await redeem(s.calendar, calendar.callback, calendar.started);

    const page = await s.accountPage(ua, alice);
    const listed = apps(page);
    assert.equal(listed.length, 2, "Latchkey's own account page is not a connected app");
    assert.ok(listed.some((a) => /^Notes Can use: openid, email, offline_access · since \d{4}-\d\d-\d\d \d\d:\d\d UTC/.test(a)), listed.join('\n'));
    assert.ok(!page.html.includes('Your Latchkey account'));

    const notesLink = [...page.html.matchAll(/<li>([\s\S]*?)<\/li>/g)].find((m) => m[1]!.includes('<strong>Notes</strong>'))![1]!;
    const revoke = /href="(\/account\/apps\/[^"]+\/revoke)"/.exec(notesLink)![1]!;
    const confirm = await ua.go(`${s.lk.issuer}${revoke}`);
    assert.match(confirm.html, /Remove access for Notes/);
    const done = await ua.submit(confirm, revoke);
    assert.match(done.url, /\/account\?done=app-revoked$/);
    assert.match(done.html, /The app no longer has access to your account/);
    assert.deepEqual(apps(done).map((a) => a.split(' ')[0]), ['Calendar']);

    await assert.rejects(oidc.refreshTokenGrant(s.notes.config, notesTokens.refresh_token!), invalidGrant);
    assert.equal((await oidc.tokenIntrospection(s.notes.config, notesTokens.access_token)).active, false);
    assert.ok((await oidc.refreshTokenGrant(s.calendar.config, calendarTokens.refresh_token!)).access_token, 'the other app keeps its access');

    const revoked = await s.auditOf(alice.id, 'grant.revoked');
    assert.deepEqual(revoked.map((e) => [e.clientId, e.detail?.reason]), [[s.notes.clientId, 'owner']]);
  });

  test("another account's app cannot be revoked: 404, and its tokens keep working", async () => {
    const alice = await s.lk.createUser({ email: 'alice.apps-idor@example.com' });
    const bob = await s.lk.createUser({ email: 'bob.apps-idor@example.com' });
    const bobUa = s.browser();
    const bobSignIn = await signIn(bobUa, s.notes, bob, offline);
    const bobTokens = await redeem(s.notes, bobSignIn.callback, bobSignIn.started);
    const bobRevoke = links(await s.accountPage(bobUa, bob), /\/account\/apps\/[^/]+\/revoke$/)[0]!;

    const aliceUa = s.browser();
    const alicePage = await s.accountPage(aliceUa, alice);
    assert.equal((await aliceUa.go(`${s.lk.issuer}${bobRevoke}`)).status, 404);
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(alicePage.html)![1]!;
    assert.equal((await aliceUa.go(`${s.lk.issuer}${bobRevoke}`, { method: 'POST', body: new URLSearchParams({ _csrf: csrf }) })).status, 404);
    assert.ok((await oidc.refreshTokenGrant(s.notes.config, bobTokens.refresh_token!)).access_token);
  });
});
