import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createAccountsRepo } from '../../../src/accounts/accounts-repo.js';
import { createAuditLog } from '../../../src/audit/audit-log.js';
import { revokeByAccount } from '../../../src/adapters/revoke-by-account.js';
import { backends } from '../../helpers/backends.js';
import { isLoginPage, submitPassword } from '../../helpers/rp.js';
import { UserAgent } from '../../helpers/user-agent.js';
import { adminSetup, consoleBrowser, csrfOf, sentToSignIn } from './setup.js';

/**
 * The console's sign-in and session over HTTP: Latchkey's own OIDC flow with a passkey
 * step-up, its own short session, re-checked on every request, and CSRF on its forms.
 */
for (const backend of backends()) {
  describe(`admin console sign-in (${backend.name})`, () => {
    const s = adminSetup(backend, { LATCHKEY_ADMIN_IDLE_SECONDS: '900', LATCHKEY_ADMIN_TTL_SECONDS: '28800' });

    test('an admin signs in with password and a passkey step-up, gets a Strict session cookie, and signs out', async () => {
      const admin = await s.makeUser();
      const { ua, stopAt } = consoleBrowser();
      const first = await ua.go(`${s.lk.issuer}/admin/users`);
      assert.ok(isLoginPage(first), 'the console sends the browser to sign in');
      const afterPassword = await submitPassword(ua, first, admin);
      assert.match(afterPassword.html, /data-step="step-up"/, 'a password alone is not enough: the passkey step-up is asked for');
      const page = await s.stepUp(ua, afterPassword, admin);
      assert.equal(page.status, 200);
      assert.equal(new URL(page.url).pathname, '/admin/users');
      assert.match(page.html, /<nav aria-label="Admin sections"/);
      assert.equal(page.headers.get('cache-control'), 'no-store');

      const events = await createAuditLog(s.open.db).list({ accountId: admin.id, type: 'admin.signed_in' });
      assert.equal(events.length, 1);
      assert.equal((events[0]!.detail as { acr: string }).acr, 'phr');

      const signedOut = await ua.submit(page, '/admin/sign-out');
      assert.match(signedOut.html, /Signed out of the admin console/);
      stopAt.add('/admin/sign-in');
      assert.ok(sentToSignIn(await ua.go(`${s.lk.issuer}/admin/users`)), 'signed out: the console asks for a sign-in again');
    });

    test('the session cookie is HttpOnly and SameSite=Strict', async () => {
      const admin = await s.makeUser();
      const cookies: string[] = [];
      const ua = new UserAgent(undefined, async (url, init) => {
        const res = await fetch(url, { ...init, redirect: 'manual' });
        cookies.push(...res.headers.getSetCookie());
        return res;
      });
      await s.signInToConsole(ua, admin);
      const session = cookies.find((c) => c.startsWith('latchkey.admin='));
      assert.ok(session, cookies.join('\n'));
      assert.match(session, /httponly/i);
      assert.match(session, /samesite=strict/i);
    });

    test('a non-admin who signs in with a passkey gets a clear 403 page, and an audit event', async () => {
      const user = await s.makeUser({ admin: false });
      const ua = new UserAgent();
      const page = await s.signInToConsole(ua, user);
      assert.equal(page.status, 403);
      assert.match(page.html, /This account is not an administrator/);
      assert.equal((await createAuditLog(s.open.db).list({ accountId: user.id, type: 'admin.console_refused' })).length, 1);
      const direct = await ua.go(`${s.lk.issuer}/admin/users`);
      assert.notEqual(direct.status, 200);
    });

    test('an admin without a passkey is not let in with the password alone, and is sent to enrol one', async () => {
      const admin = await s.makeUser({ passkey: false });
      const ua = new UserAgent();
      let page = await s.signInToConsole(ua, admin);
      // The sign-in cannot reach phr: Latchkey says so and returns to the console.
      if (page.html.includes('/unmet')) page = await ua.submit(page, '/unmet');
      assert.equal(page.status, 403);
      assert.match(page.html, /The admin console needs a passkey/);
      assert.match(page.html, /href="\/account#passkeys"/);
    });

    test('idle for longer than LATCHKEY_ADMIN_IDLE_SECONDS, or past its absolute lifetime, the session sends the admin to sign in again', async () => {
      const admin = await s.makeUser();
      const { ua, stopAt } = consoleBrowser();
      assert.equal((await s.signInToConsole(ua, admin)).status, 200);
      stopAt.add('/admin/sign-in');
      s.advance(600);
      assert.equal((await ua.go(`${s.lk.issuer}/admin/users`)).status, 200, 'ten minutes: still signed in');
      s.advance(901);
      assert.ok(sentToSignIn(await ua.go(`${s.lk.issuer}/admin/users`)), 'idle: sent to sign in');

      // Used every ten minutes, it still ends eight hours after the sign-in.
      const busy = consoleBrowser();
      assert.equal((await s.signInToConsole(busy.ua, admin)).status, 200);
      busy.stopAt.add('/admin/sign-in');
      let minutes = 0;
      for (;;) {
        s.advance(600);
        minutes += 10;
        const page = await busy.ua.go(`${s.lk.issuer}/admin/users`);
        if (sentToSignIn(page)) break;
        assert.equal(page.status, 200);
        assert.ok(minutes <= 8 * 60, 'the session outlived its absolute lifetime');
      }
      // Ended at eight hours (real seconds pass between the steps too), not before.
      assert.ok(minutes >= 8 * 60, `ended after ${minutes} minutes`);
    });

    test('a form without its CSRF token, or with another session\'s, is refused', async () => {
      const admin = await s.makeUser();
      const ua = new UserAgent();
      const page = await s.signInToConsole(ua, admin);
      const missing = await ua.postRaw(`${s.lk.issuer}/admin/sign-out`, '', { 'content-type': 'application/x-www-form-urlencoded' });
      assert.equal(missing.status, 403);
      const other = new UserAgent();
      const otherPage = await s.signInToConsole(other, await s.makeUser());
      const foreign = await ua.postRaw(`${s.lk.issuer}/admin/sign-out`, `_csrf=${encodeURIComponent(csrfOf(otherPage))}`, { 'content-type': 'application/x-www-form-urlencoded' });
      assert.equal(foreign.status, 403);
      assert.equal((await ua.go(`${s.lk.issuer}/admin/users`)).status, 200, 'still signed in');
      void page;
    });

    test('a revoked admin, or a disabled account, loses access on the next request', async () => {
      const accounts = createAccountsRepo(s.open.db);
      const admin = await s.makeUser();
      const { ua, stopAt } = consoleBrowser();
      assert.equal((await s.signInToConsole(ua, admin)).status, 200);
      stopAt.add('/admin/sign-in');
      await accounts.setAdmin(admin.id, false);
      const revoked = await ua.go(`${s.lk.issuer}/admin/users`);
      assert.equal(revoked.status, 403);
      assert.match(revoked.html, /Your admin access has ended/);
      await accounts.setAdmin(admin.id, true);
      assert.ok(sentToSignIn(await ua.go(`${s.lk.issuer}/admin/users`)), 'the session was ended, not paused');

      const other = await s.makeUser();
      const ua2 = new UserAgent();
      assert.equal((await s.signInToConsole(ua2, other)).status, 200);
      await accounts.setDisabled(other.id, new Date());
      assert.equal((await ua2.go(`${s.lk.issuer}/admin/users`)).status, 403);
    });

    test('signing the admin out everywhere (their Latchkey sessions end) ends the console session too', async () => {
      const admin = await s.makeUser();
      const { ua, stopAt } = consoleBrowser();
      assert.equal((await s.signInToConsole(ua, admin)).status, 200);
      stopAt.add('/admin/sign-in');
      await revokeByAccount(s.open.db, admin.id);
      assert.ok(sentToSignIn(await ua.go(`${s.lk.issuer}/admin/users`)));
    });

    test('a sign-in whose redirects began on another site gets a page that moves on by itself (the Strict cookie would be left off a redirect)', async () => {
      const admin = await s.makeUser();
      const ua = new UserAgent(undefined, (url, init) =>
        fetch(url, { ...init, headers: { ...init.headers, ...(new URL(url).pathname === '/admin/callback' ? { 'sec-fetch-site': 'cross-site' } : {}) }, redirect: 'manual' }),
      );
      const page = await s.signInToConsole(ua, admin);
      assert.equal(new URL(page.url).pathname, '/admin/callback');
      assert.equal(page.status, 200);
      assert.match(page.html, /<meta http-equiv="refresh" content="0;url=\/admin\/users">/);
      assert.match(page.html, /href="\/admin\/users">Continue to the admin console/);
      assert.equal((await ua.go(`${s.lk.issuer}/admin/users`)).status, 200, 'the session was made');
    });

    test('the callback refuses another browser, a replayed state and a forged one', async () => {
      const admin = await s.makeUser();
      const { ua, stopAt } = consoleBrowser();
      stopAt.add('/admin/callback');
      const stopped = await s.signInToConsole(ua, admin);
      const callback = new URL(stopped.url);
      assert.equal(callback.pathname, '/admin/callback');
      assert.ok(callback.searchParams.get('code'));
      stopAt.clear();
      // Another browser (without this browser's sign-in cookie) cannot use the callback.
      const thief = new UserAgent();
      const stolen = await thief.go(callback.toString());
      assert.equal(stolen.status, 400);
      assert.match(stolen.html, /This sign-in has expired/);
      // That attempt spent the state, so the owner's own use fails too (fail closed).
      const replay = await ua.go(callback.toString());
      assert.equal(replay.status, 400);
      const forged = await ua.go(`${s.lk.issuer}/admin/callback?code=x&state=y`);
      assert.equal(forged.status, 400);
    });
  });
}
