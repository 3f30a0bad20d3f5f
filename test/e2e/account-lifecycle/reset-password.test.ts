import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { ATTEMPTS_PER_CODE } from '../../../src/accounts/one-time-codes.js';
import { createAuditLog } from '../../../src/audit/audit-log.js';
import { createPasskeysRepo } from '../../../src/passkeys/passkeys-repo.js';
import { isEnrolOffer, isLoginPage, oidc, redeem, signIn, startAuthorization, submitPassword, userAgentFor } from '../../helpers/rp.js';
import { UserAgent, type Page } from '../../helpers/user-agent.js';
import { lifecycleSuite, STRONG_PASSWORD, visibleText } from './setup.js';

lifecycleSuite('forgot password', (s) => {
  const NEW_PASSWORD = 'marble lantern drifts over seven ferries';

  /** From `page` (a sign-in page in `ua`), its link to the reset, followed, and `email` posted there. */
  async function resetFrom(ua: UserAgent, page: Page, email: string): Promise<Page> {
    const link = /href="(\/interaction\/[^"]+\/reset)"/.exec(page.html)?.[1];
    assert.ok(link, 'the sign-in page links to the reset');
    return ua.submit(await ua.go(new URL(link, s.lk.issuer).toString()), '/reset', { email });
  }

  async function requestReset(email: string, extra: Record<string, string> = {}) {
    const { ua, page, started } = await s.atSignIn(extra);
    return { ua, started, codePage: await resetFrom(ua, page, email) };
  }

  async function wrongPassword(ua: UserAgent, email: string): Promise<Page> {
    const page = await ua.go((await startAuthorization(s.rp)).url.toString());
    return ua.submit(page, '/password', { email, password: 'not the password at all' });
  }

  test('a reset ends old sessions and refresh tokens, clears the lockout, mails the owner; the new sign-in is pwd', async () => {
    const user = await s.lk.createUser({ email: 'olga@example.com', name: 'Olga Example' });
    const laptop = userAgentFor(s.rp);
    const old = await signIn(laptop, s.rp, user, { scope: 'openid offline_access', prompt: 'consent' });
    const oldTokens = await redeem(s.rp, old.callback, old.started);
    assert.ok(oldTokens.refresh_token);

    // The account is locked for passwords (a stranger's guesses); a reset still works.
    const stranger = userAgentFor(s.rp);
    let locked: Page | undefined;
    for (let i = 0; i < 4; i++) locked = await wrongPassword(stranger, user.email);
    assert.equal(locked!.status, 401, 'a lock looks like a wrong password');
    const refused = await submitPassword(stranger, (await stranger.go((await startAuthorization(s.rp)).url.toString())), user);
    assert.equal(refused.status, 401, 'locked: even the right password is refused from an unknown browser');

    const { ua, started, codePage } = await requestReset('OLGA@example.com');
    assert.equal(codePage.status, 200);
    assert.match(codePage.html, /If an account exists for that address, we sent a code/);
    assert.match(codePage.html, /autocomplete="new-password"/);
    const mail = await s.mailTo(user.email, 'Your code to reset your password');
    assert.match(mail.text!, /Device: /);
    assert.match(mail.text!, /If you did not ask for this code, ignore this mail/);
    const code = s.codeIn(mail);

    const weak = await ua.submit(codePage, '/reset/code', { code, password: 'olga example' });
    assert.equal(weak.status, 400);
    assert.match(weak.html, /Use at least 15 characters/);
    assert.match(weak.html, /aria-describedby="password-hint password-error"/);

    const done = await s.pastOffer(ua, await ua.submit(weak, '/reset/code', { code, password: NEW_PASSWORD }));
    assert.equal(done.status, 0, `back at the app, not ${done.url}\n${done.html.slice(0, 600)}`);
    const claims = (await redeem(s.rp, new URL(done.url), started)).claims()!;
    assert.equal(claims.sub, user.id);
    assert.equal(claims.acr, 'pwd');
    assert.deepEqual(claims.amr, ['pwd']);

    await assert.rejects(oidc.refreshTokenGrant(s.rp.config, oldTokens.refresh_token!), (err: { error?: string }) => err.error === 'invalid_grant');
    assert.ok(isLoginPage(await laptop.go((await startAuthorization(s.rp)).url.toString())), 'the old browser is signed out');

    const changed = await s.mailTo(user.email, 'Your password was reset');
    assert.equal(changed.subject, 'Your password was reset');
    assert.match(changed.text!, /If this was not you/);
    assert.match(changed.text!, /Device: /);
    assert.equal((await createAuditLog(s.open.db).list({ accountId: user.id, type: 'password.reset' })).length, 1);

    // The lockout was cleared: the new password signs in at once, the old one does not.
    const fresh = userAgentFor(s.rp);
    const after = await s.pastOffer(fresh, await fresh.submit(await fresh.go((await startAuthorization(s.rp)).url.toString()), '/password', { email: user.email, password: NEW_PASSWORD }));
    assert.equal(after.status, 0);
    const oldUa = userAgentFor(s.rp);
    const oldRefused = await oldUa.go((await startAuthorization(s.rp)).url.toString());
    assert.equal((await oldUa.submit(oldRefused, '/password', { email: user.email, password: user.password })).status, 401, 'the old password no longer works');
  });

  test('a reset makes every browser that knew the account a stranger again, except the one that reset', async () => {
    const user = await s.lk.createUser({ email: 'nadia@example.com', name: 'Nadia Example' });
    const signedIns = async () => (await createAuditLog(s.open.db).list({ accountId: user.id, type: 'login.succeeded' })).map((e) => e.detail?.newDevice);
    // Someone with the stolen password signs in: their browser now knows the account.
    const thief = userAgentFor(s.rp);
    await s.pastOffer(thief, await submitPassword(thief, await thief.go((await startAuthorization(s.rp)).url.toString()), user));
    await s.mailTo(user.email, 'New sign-in to your account');

    const { ua, codePage } = await requestReset(user.email);
    const code = s.codeIn(await s.mailTo(user.email, 'Your code to reset your password'));
    const done = await s.pastOffer(ua, await ua.submit(codePage, '/reset/code', { code, password: NEW_PASSWORD }));
    assert.equal(done.status, 0, 'the reset signs in');
    assert.deepEqual(await signedIns(), [true, false], 'the browser that reset is not announced as new: the reset mail named it');

    // The thief's browser no longer spends the owner's mail budget: a stranger's, the reset above included.
    const thiefResets = async () => (await resetFrom(thief, await thief.go((await startAuthorization(s.rp)).url.toString()), user.email)).status;
    assert.deepEqual([await thiefResets(), await thiefResets()], [200, 429], 'two mails an hour from one network to a mailbox, as for any stranger');

    // Should the thief learn the new password too, their browser is a stranger: the owner hears of it.
    const again = await s.pastOffer(thief, await submitPassword(thief, await thief.go((await startAuthorization(s.rp)).url.toString()), { email: user.email, password: NEW_PASSWORD }));
    assert.equal(again.status, 0);
    assert.deepEqual(await signedIns(), [true, false, true], "the thief's browser signs in as a new one");
    await s.mailTo(user.email, 'New sign-in to your account');

    // The owner's browser stays known to the account with its new password.
    const owner = await s.pastOffer(ua, await submitPassword(ua, await ua.go((await startAuthorization(s.rp, { prompt: 'login' })).url.toString()), { email: user.email, password: NEW_PASSWORD }));
    assert.equal(owner.status, 0);
    assert.deepEqual(await signedIns(), [true, false, true, false]);
  });

  test('a sign-in whose old password was checked before a reset cannot be resumed after it', async () => {
    const user = await s.lk.createUser({ email: 'paula.held@example.com', name: 'Paula Example' });
    // The thief's browser checks the stolen password and stops before the engine's resume,
    // holding the sign-in that the password finished.
    let hold = true;
    const app = new URL(s.rp.redirectUri);
    const thief = new UserAgent((u) => (hold && u.pathname.startsWith('/auth/')) || (u.origin === app.origin && u.pathname === app.pathname));
    const started = await startAuthorization(s.rp);
    const held = await s.pastOffer(thief, await submitPassword(thief, await thief.go(started.url.toString()), user));
    assert.equal(held.status, 0);
    assert.match(new URL(held.url).pathname, /^\/auth\//, 'held at the resume');

    const { ua, codePage } = await requestReset(user.email);
    const code = s.codeIn(await s.mailTo(user.email, 'Your code to reset your password'));
    assert.equal((await s.pastOffer(ua, await ua.submit(codePage, '/reset/code', { code, password: NEW_PASSWORD }))).status, 0);

    hold = false;
    const resumed = new URL((await thief.go(held.url)).url);
    assert.equal(resumed.searchParams.get('error'), 'access_denied', `the app gets an error, not a code: ${resumed}`);
    assert.equal(resumed.searchParams.get('code'), null);
    assert.match(resumed.searchParams.get('error_description') ?? '', /sign in again/);
    assert.ok(isLoginPage(await thief.go((await startAuthorization(s.rp)).url.toString())), 'and the browser holds no session');
    const refused = await createAuditLog(s.open.db).list({ accountId: user.id, type: 'login.refused' });
    assert.deepEqual(refused.map((e) => e.detail?.reason), ['password_changed'], 'the owner can read why in the audit log');
  });

  test('a browser already signed in to the account can reset its password from prompt=login and is signed in with the new one', async () => {
    const user = await s.lk.createUser({ email: 'ines.signed-in@example.com', name: 'Ines Example' });
    const ua = userAgentFor(s.rp);
    await signIn(ua, s.rp, user);
    const started = await startAuthorization(s.rp, { prompt: 'login' });
    const page = await ua.go(started.url.toString());
    assert.ok(isLoginPage(page));
    const codePage = await resetFrom(ua, page, user.email);
    const code = s.codeIn(await s.mailTo(user.email, 'Your code to reset your password'));
    const done = await s.pastOffer(ua, await ua.submit(codePage, '/reset/code', { code, password: NEW_PASSWORD }));
    assert.equal(done.status, 0, `back at the app, not ${done.url}\n${done.html.slice(0, 600)}`);
    assert.equal((await redeem(s.rp, new URL(done.url), started)).claims()?.sub, user.id);
  });

  test('a sign-in started with the old password cannot finish after a reset, even paused at the passkey offer', async () => {
    const user = await s.lk.createUser({ email: 'rosa.paused@example.com', name: 'Rosa Example' });
    // Someone with the stolen password signs in and waits at the passkey offer.
    const thief = await s.atSignIn();
    const offer = await thief.ua.submit(thief.page, '/password', { email: user.email, password: user.password });
    assert.ok(isEnrolOffer(offer), 'the thief is at the passkey offer');
    // The owner resets the password.
    const { ua, codePage } = await requestReset(user.email);
    const code = s.codeIn(await s.mailTo(user.email, 'Your code to reset your password'));
    const done = await s.pastOffer(ua, await ua.submit(codePage, '/reset/code', { code, password: NEW_PASSWORD }));
    assert.equal(done.status, 0, 'the owner is back at the app');
    // The thief's sign-in is over: no code reaches the app.
    const skipped = await thief.ua.submit(offer, '/enrol/skip');
    assert.notEqual(skipped.status, 0, 'no redirect to the app');
    assert.equal(skipped.status, 400);
    assert.match(skipped.html, /expired/i);
  });

  test('an unknown address: the same pages and answers, and nothing is sent', async () => {
    const user = await s.lk.createUser({ email: 'pia@example.com' });
    const unknown = 'nobody.here@example.com';
    const a = await requestReset(user.email);
    const b = await requestReset(unknown);
    const same = (page: Page, email: string) => visibleText(page).replaceAll(email, 'EMAIL');
    assert.equal(a.codePage.status, b.codePage.status);
    assert.equal(same(a.codePage, user.email), same(b.codePage, unknown));
    const code = s.codeIn(await s.mailTo(user.email, 'Your code to reset your password'));
    const onUnknown = await b.ua.submit(b.codePage, '/reset/code', { code, password: STRONG_PASSWORD });
    const wrongOnKnown = await a.ua.submit(a.codePage, '/reset/code', { code: code === '111111' ? '111112' : '111111', password: STRONG_PASSWORD });
    assert.equal(onUnknown.status, 400);
    assert.equal(same(onUnknown, unknown), same(wrongOnKnown, user.email));
    const resent = await b.ua.submit(onUnknown, '/reset/resend');
    assert.match(resent.html, /We sent a new code if an account exists/);
    assert.equal(await s.queuedFor(unknown), 0, 'nothing is mailed to an address without an account');
  });

  test('the app asks for phr: after a reset it gets the passkey step-up or unmet, never phr from the reset', async () => {
    const withPasskey = await s.lk.createUser({ email: 'quinn@example.com' });
    await createPasskeysRepo(s.open.db).insert({
      id: randomBytes(16).toString('base64url'),
      accountId: withPasskey.id,
      publicKey: randomBytes(77),
      counter: 0,
      transports: ['internal'],
      aaguid: '00000000-0000-0000-0000-000000000000',
      backupEligible: true,
      backupState: true,
      name: 'Phone',
    });
    const one = await requestReset(withPasskey.email, { acr_values: 'phr' });
    const stepUp = await one.ua.submit(one.codePage, '/reset/code', { code: s.codeIn(await s.mailTo(withPasskey.email, 'Your code to reset your password')), password: NEW_PASSWORD });
    assert.equal(stepUp.status, 200);
    assert.match(stepUp.html, /data-step="step-up"/);
    assert.doesNotMatch(stepUp.html, /name="password"/);

    const noPasskey = await s.lk.createUser({ email: 'rosa@example.com' });
    const two = await requestReset(noPasskey.email, { acr_values: 'phr' });
    const unmet = await two.ua.submit(two.codePage, '/reset/code', { code: s.codeIn(await s.mailTo(noPasskey.email, 'Your code to reset your password')), password: NEW_PASSWORD });
    assert.equal(unmet.status, 200);
    assert.match(unmet.html, /your account has no passkey yet/);
  });

  test("a stranger's reset for the same address neither replaces the owner's code nor uses up its tries", async () => {
    const user = await s.lk.createUser({ email: 'petra@example.com', name: 'Petra Example' });
    const owner = await requestReset(user.email);
    const code = s.codeIn(await s.mailTo(user.email, 'Your code to reset your password'));

    // A stranger who knows only the address starts a reset of their own (the owner gets
    // that flow's code too, unseen by the stranger) and types wrong codes until that
    // flow's code is dead. (From another address, the stranger would also meet the
    // per-address budget of wrong codes: integration/one-time-codes.test.ts.)
    const stranger = await requestReset(user.email);
    const strangersCode = s.codeIn(await s.mailTo(user.email, 'Your code to reset your password'));
    let page = stranger.codePage;
    for (let i = 0, tried = 0; tried < ATTEMPTS_PER_CODE; i++) {
      const wrong = String((Number(code) + Number(strangersCode) + 1 + i) % 1_000_000).padStart(6, '0');
      if (wrong === code || wrong === strangersCode) continue;
      page = await stranger.ua.submit(page, '/reset/code', { code: wrong, password: NEW_PASSWORD });
      assert.equal(page.status, 400);
      tried++;
    }
    page = await stranger.ua.submit(page, '/reset/code', { code: strangersCode, password: NEW_PASSWORD });
    assert.equal(page.status, 400, "the stranger's flow code died of the wrong tries");

    // The owner's code, in the owner's flow, still works.
    const done = await s.pastOffer(owner.ua, await owner.ua.submit(owner.codePage, '/reset/code', { code, password: NEW_PASSWORD }));
    assert.equal(done.status, 0, `back at the app, not ${done.url}\n${done.html.slice(0, 600)}`);
    assert.equal((await redeem(s.rp, new URL(done.url), owner.started)).claims()!.sub, user.id);
  });
});
