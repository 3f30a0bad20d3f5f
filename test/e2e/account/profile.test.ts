import assert from 'node:assert/strict';
import { test } from 'node:test';
import { oidc, redeem, signIn } from '../../helpers/rp.js';
import { accountSuite } from './setup.js';

accountSuite('account page: profile', (s) => {
  test('the name: changed with a success message, refused with the field marked, seen by apps, audited', async () => {
    const mia = await s.lk.createUser({ email: 'mia.profile@example.com', name: 'Mia Example' });
    const laptop = s.browser();
    const account = await s.accountPage(laptop, mia);
    assert.match(account.html, /href="\/account\/profile"/);

    const form = await laptop.go(`${s.lk.issuer}/account/profile`);
    assert.match(form.html, /<label for="name">Name<\/label>/);
    const empty = await laptop.submit(form, '/account/profile', { name: '   ' });
    assert.equal(empty.status, 400);
    assert.match(empty.html, /id="name"[^>]*aria-invalid="true" aria-describedby="name-error" autofocus/);
    assert.match(empty.html, /Enter your name\./);
    const control = await laptop.submit(form, '/account/profile', { name: 'Mia\u202eelpmaxE' });
    assert.equal(control.status, 400, 'no direction overrides or other invisible characters');

    const done = await laptop.submit(form, '/account/profile', { name: '  Mia Müller ' });
    assert.match(done.url, /\/account\?done=profile-updated$/);
    assert.match(done.html, /Your name was saved\./);
    assert.match(done.html, /Mia Müller · mia\.profile@example\.com/);

    // Apps see the new name.
    const ua = s.browser();
    const { callback, started } = await signIn(ua, s.notes, mia, { scope: 'openid profile' });
    const tokens = await redeem(s.notes, callback, started);
    const info = await oidc.fetchUserInfo(s.notes.config, tokens.access_token, tokens.claims()!.sub);
    assert.equal(info.name, 'Mia Müller');
    assert.equal((await s.auditOf(mia.id, 'profile.updated')).length, 1);

    // Without a session: back to sign-in, nothing changed; without the CSRF token: refused.
    const stranger = s.browser();
    const refused = await stranger.postRaw(`${s.lk.issuer}/account/profile`, 'name=Mallory', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.ok(refused.status >= 400);
    const noCsrf = await laptop.postRaw(`${s.lk.issuer}/account/profile`, 'name=Mallory', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(noCsrf.status, 403);
    assert.match((await laptop.go(`${s.lk.issuer}/account`)).html, /Mia Müller/);
  });
});
