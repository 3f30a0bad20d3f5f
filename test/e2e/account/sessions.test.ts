import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoginPage, oidc, redeem, signIn, startAuthorization } from '../../helpers/rp.js';
import type { Page, UserAgent } from '../../helpers/user-agent.js';
import { accountSuite, FIREFOX_MAC, links, SAFARI_IPHONE } from './setup.js';

/** The sessions list as the page shows it: one entry per session, its text and its End link. */
function sessions(page: Page): Array<{ text: string; end: string | undefined }> {
  const list = /<h2 id="sessions">[\s\S]*?<ul class="items">([\s\S]*?)<\/ul>/.exec(page.html)?.[1] ?? '';
  return [...list.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => ({
    text: m[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim(),
    end: /href="(\/account\/sessions\/[^"]+\/end)"/.exec(m[1]!)?.[1],
  }));
}

async function endThrough(ua: UserAgent, issuer: string, link: string): Promise<Page> {
  const confirm = await ua.go(`${issuer}${link}`);
  assert.equal(confirm.status, 200);
  assert.match(confirm.html, /<button type="submit" class="danger">/, 'a confirmation page comes first');
  return ua.submit(confirm, link);
}

accountSuite('account page: sessions', (s) => {
  test('lists each session with device, IP, times and strength; ends one, then all others', async () => {
    const alice = await s.lk.createUser({ email: 'alice.sessions@example.com', name: 'Alice Example' });
    const laptop = s.browser(FIREFOX_MAC);
    const phone = s.browser(SAFARI_IPHONE);
    const tablet = s.browser('Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0');
    await s.accountPage(phone, alice);
    await s.accountPage(tablet, alice);
    const page = await s.accountPage(laptop, alice);

    const listed = sessions(page);
    assert.equal(listed.length, 3);
    assert.match(listed[0]!.text, /^Firefox on macOS This device IP 127\.0\.0\.1 · signed in \d{4}-\d\d-\d\d \d\d:\d\d UTC · last seen .* UTC · strength pwd/);
    assert.equal(listed[0]!.end, undefined, 'this device signs out instead');
    const phoneEntry = listed.find((e) => e.text.startsWith('Mobile Safari on iOS'));
    assert.ok(phoneEntry?.end, 'the phone is listed with an End link');
    assert.ok(listed.some((e) => e.text.startsWith('Firefox on Linux')));

    const afterEnd = await endThrough(laptop, s.lk.issuer, phoneEntry.end);
    assert.match(afterEnd.url, /\/account\?done=session-ended$/);
    assert.match(afterEnd.html, /The session was ended/);
    assert.equal(sessions(afterEnd).length, 2);
    assert.ok(isLoginPage(await phone.go(`${s.lk.issuer}/account`)), 'the phone is signed out of the account page');
    assert.ok(isLoginPage(await phone.go((await startAuthorization(s.notes)).url.toString())), 'and of every app: the next /auth asks to sign in');

    const others = links(afterEnd, /\/account\/sessions\/others\/end$/)[0]!;
    const afterOthers = await endThrough(laptop, s.lk.issuer, others);
    assert.match(afterOthers.html, /Your other sessions were ended/);
    assert.deepEqual(sessions(afterOthers).map((e) => e.text.split(' This device')[0]), ['Firefox on macOS']);
    assert.ok(isLoginPage(await tablet.go(`${s.lk.issuer}/account`)), 'the tablet is signed out');
    assert.equal((await laptop.go(`${s.lk.issuer}/account`)).status, 200, 'this device stays signed in');

    const ended = await s.auditOf(alice.id, 'session.ended');
    assert.deepEqual(ended.map((e) => e.detail?.reason), ['ended', 'others-ended']);
  });

  test("another account's session id does nothing: 404, and that session stays signed in", async () => {
    const alice = await s.lk.createUser({ email: 'alice.idor@example.com' });
    const bob = await s.lk.createUser({ email: 'bob.idor@example.com' });
    const alicePage = await s.accountPage(s.browser(), alice);
    const bobUa = s.browser(SAFARI_IPHONE);
    await s.accountPage(bobUa, bob);
    const bobLaptop = s.browser();
    const bobPage = await s.accountPage(bobLaptop, bob);
    const bobPhoneLink = sessions(bobPage).find((e) => e.end)!.end!;

    const aliceUa = s.browser();
    const fresh = await s.accountPage(aliceUa, alice);
    assert.equal((await aliceUa.go(`${s.lk.issuer}${bobPhoneLink}`)).status, 404);
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(fresh.html)![1]!;
    const forged = await aliceUa.go(`${s.lk.issuer}${bobPhoneLink}`, { method: 'POST', body: new URLSearchParams({ _csrf: csrf }) });
    assert.equal(forged.status, 404);
    assert.equal((await bobUa.go(`${s.lk.issuer}/account`)).status, 200, "bob's phone is still signed in");
    assert.ok(alicePage.html.includes('alice.idor@example.com'));
  });

  test('ending without the CSRF token is refused', async () => {
    const carol = await s.lk.createUser({ email: 'carol.csrf@example.com' });
    const other = s.browser(SAFARI_IPHONE);
    await s.accountPage(other, carol);
    const ua = s.browser();
    const page = await s.accountPage(ua, carol);
    const link = sessions(page).find((e) => e.end)!.end!;
    assert.equal((await ua.go(`${s.lk.issuer}${link}`, { method: 'POST', body: new URLSearchParams({}) })).status, 403);
    assert.equal((await other.go(`${s.lk.issuer}/account`)).status, 200);
  });

  test("ending a session revokes the apps signed in through it, except those given offline access", async () => {
    const dave = await s.lk.createUser({ email: 'dave.grants@example.com' });
    const phone = s.browser(SAFARI_IPHONE);
    const online = await signIn(phone, s.notes, dave);
    const notesTokens = await redeem(s.notes, online.callback, online.started);
    const offline = await signIn(phone, s.calendar, dave, { scope: 'openid offline_access', prompt: 'consent' });
    const calendarTokens = await redeem(s.calendar, offline.callback, offline.started);

    const laptop = s.browser();
    const page = await s.accountPage(laptop, dave);
    await endThrough(laptop, s.lk.issuer, sessions(page).find((e) => e.end)!.end!);

    assert.equal((await oidc.tokenIntrospection(s.notes.config, notesTokens.access_token)).active, false, 'the app signed in through that session only is signed out');
    const refreshed = await oidc.refreshTokenGrant(s.calendar.config, calendarTokens.refresh_token!);
    assert.ok(refreshed.access_token, 'offline access outlives the session (revoked under Connected apps)');
  });
});
