import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoginPage, oidc, redeem, signIn, submitPassword } from '../../helpers/rp.js';
import { createAccountsRepo } from '../../../src/accounts/accounts-repo.js';
import { accountSuite, SAFARI_IPHONE } from './setup.js';

accountSuite('account page: delete the account', (s) => {
  test('needs a fresh sign-in and the typed email; then everything ends, a last mail goes out and the page says so', async () => {
    const alice = await s.lk.createUser({ email: 'alice.delete@example.com', name: 'Alice Example' });
    const phone = s.browser(SAFARI_IPHONE);
    const phoneSignIn = await signIn(phone, s.notes, alice, { scope: 'openid offline_access', prompt: 'consent' });
    const tokens = await redeem(s.notes, phoneSignIn.callback, phoneSignIn.started);
    const laptop = s.browser();
    await s.accountPage(laptop, alice);

    // Six minutes later the password sign-in is no longer fresh.
    s.advance(6 * 60);
    const stale = await laptop.go(`${s.lk.issuer}/account/delete`);
    assert.match(stale.html, /href="\/account\/sign-in\?reauth=password">confirm your password/);
    assert.doesNotMatch(stale.html, /name="confirm"/);
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(stale.html)![1]!;
    const early = await laptop.go(`${s.lk.issuer}/account/delete`, { method: 'POST', body: new URLSearchParams({ _csrf: csrf, confirm: alice.email }) });
    assert.equal(early.status, 403);

    // Confirming the password (prompt=login) makes it fresh again.
    const reauth = await laptop.go(`${s.lk.issuer}/account/sign-in?reauth=password`);
    assert.ok(isLoginPage(reauth));
    await submitPassword(laptop, reauth, alice);
    const form = await laptop.go(`${s.lk.issuer}/account/delete`);
    assert.match(form.html, /<label for="confirm">To confirm, type your email address/);

    const mistyped = await laptop.submit(form, '/account/delete', { confirm: 'alice@example.com' });
    assert.equal(mistyped.status, 400);
    assert.match(mistyped.html, /id="confirm"[^>]*autofocus aria-invalid="true" aria-describedby="confirm-error"/);
    assert.ok(await createAccountsRepo(s.open.db).findById(alice.id), 'nothing was deleted');

    // Another spelling of the same address (case, spaces) confirms too.
    const deleted = await laptop.submit(form, '/account/delete', { confirm: '  Alice.Delete@Example.com ' });
    assert.equal(deleted.status, 200);
    assert.match(deleted.html, /<h1>Your account was deleted<\/h1>/);

    assert.equal(await createAccountsRepo(s.open.db).findById(alice.id), undefined);
    await assert.rejects(oidc.refreshTokenGrant(s.notes.config, tokens.refresh_token!), (err: { error?: string }) => err.error === 'invalid_grant');
    assert.equal((await oidc.tokenIntrospection(s.notes.config, tokens.access_token)).active, false);
    assert.ok(isLoginPage(await phone.go(`${s.lk.issuer}/account`)), 'every session ended');
    const signInAgain = await s.accountPage(s.browser(), alice);
    assert.match(signInAgain.url, /\/interaction\//, 'the password no longer signs in');

    const mail = await s.mailTo(alice.email);
    assert.equal(mail.subject, 'Your account was deleted');
    assert.equal((await s.auditOf(alice.id, 'account.deleted')).length, 1);
  });
});
