import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoginPage, oidc, redeem, signIn } from '../../helpers/rp.js';
import { createPasskeysRepo } from '../../../src/passkeys/passkeys-repo.js';
import { accountSuite, SAFARI_IPHONE } from './setup.js';

const NEW_PASSWORD = 'violet canyon marble tugboat';

accountSuite('account page: change password', (s) => {
  test('needs the current password and a good new one; then ends other sessions and refresh tokens, and mails the owner', async () => {
    const alice = await s.lk.createUser({ email: 'alice.password@example.com', name: 'Alice Example' });
    const phone = s.browser(SAFARI_IPHONE);
    const phoneSignIn = await signIn(phone, s.notes, alice, { scope: 'openid offline_access', prompt: 'consent' });
    const phoneTokens = await redeem(s.notes, phoneSignIn.callback, phoneSignIn.started);
    const laptop = s.browser();
    await s.accountPage(laptop, alice);

    const form = await laptop.go(`${s.lk.issuer}/account/password`);
    assert.match(form.html, /<label for="current">Current password<\/label>/);
    const wrong = await laptop.submit(form, '/account/password', { current: 'not my password at all', password: NEW_PASSWORD });
    assert.equal(wrong.status, 400);
    assert.match(wrong.html, /id="current"[^>]*autofocus aria-invalid="true" aria-describedby="current-error"/);
    assert.match(wrong.html, /That is not your current password/);

    const weak = await laptop.submit(form, '/account/password', { current: alice.password, password: 'alice.password@example.com' });
    assert.equal(weak.status, 400);
    assert.match(weak.html, /id="password"[^>]*autofocus aria-invalid="true" aria-describedby="password-error"/);
    assert.match(weak.html, /Do not build your password from your email address/);

    const done = await laptop.submit(form, '/account/password', { current: alice.password, password: NEW_PASSWORD });
    assert.match(done.url, /\/account\?done=password-changed$/);
    assert.match(done.html, /Your password was changed/);

    assert.ok(isLoginPage(await phone.go(`${s.lk.issuer}/account`)), 'the other session was ended');
    await assert.rejects(oidc.refreshTokenGrant(s.notes.config, phoneTokens.refresh_token!), (err: { error?: string }) => err.error === 'invalid_grant');
    assert.equal((await laptop.go(`${s.lk.issuer}/account`)).status, 200, 'this session stays');

    const mail = await s.mailTo(alice.email, 'Your password was changed');
    assert.equal(mail.subject, 'Your password was changed');
    assert.match(mail.text ?? '', /Device: Firefox on macOS/);
    assert.equal((await s.auditOf(alice.id, 'password.changed')).length, 1);

    const refused = await s.accountPage(s.browser(), alice);
    assert.match(refused.url, /\/interaction\//, 'the old password no longer signs in');
    assert.match(refused.html, /name="password"/);
    assert.equal((await s.accountPage(s.browser(), { email: alice.email, password: NEW_PASSWORD })).status, 200, 'the new one does');

    // The browser that changed it stays known to the account; the phone, which knew it by
    // the old password, is a stranger now: its next sign-in is announced as a new one.
    const before = (await s.auditOf(alice.id, 'login.succeeded')).length;
    await signIn(laptop, s.notes, { email: alice.email, password: NEW_PASSWORD }, { prompt: 'login' });
    await signIn(phone, s.notes, { email: alice.email, password: NEW_PASSWORD });
    const newDevice = (await s.auditOf(alice.id, 'login.succeeded')).slice(before).map((e) => e.detail?.newDevice);
    assert.deepEqual(newDevice, [false, true]);
  });

  test('with a passkey on the account, a fresh passkey is needed too', async () => {
    const bob = await s.lk.createUser({ email: 'bob.password@example.com' });
    await createPasskeysRepo(s.open.db).insert({
      id: 'bob-passkey',
      accountId: bob.id,
      publicKey: new Uint8Array(32),
      counter: 0,
      transports: ['internal'],
      aaguid: '00000000-0000-0000-0000-000000000000',
      backupEligible: true,
      backupState: true,
      name: 'Phone',
    });
    const ua = s.browser();
    await s.accountPage(ua, bob);
    const page = await ua.go(`${s.lk.issuer}/account/password`);
    assert.match(page.html, /href="\/account\/sign-in\?reauth=passkey">confirm with a passkey/);
    assert.doesNotMatch(page.html, /name="current"/);

    const csrf = /name="csrf-token" content="([^"]+)"/.exec(page.html)![1]!;
    const refused = await ua.go(`${s.lk.issuer}/account/password`, {
      method: 'POST',
      body: new URLSearchParams({ _csrf: csrf, current: bob.password, password: NEW_PASSWORD }),
    });
    assert.equal(refused.status, 403);
    assert.equal((await s.accountPage(s.browser(), bob)).status, 200, 'the password did not change');
  });
});
