import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoginPage, startAuthorization } from '../../helpers/rp.js';
import { accountSuite } from './setup.js';

accountSuite(
  'account page: session limit and idle lifetime',
  (s) => {
    test('a sign-in beyond LATCHKEY_MAX_SESSIONS ends the oldest session', async () => {
      const alice = await s.lk.createUser({ email: 'alice.limit@example.com' });
      const [first, second, third] = [s.browser(), s.browser(), s.browser()];
      // Seconds apart, so "oldest" is well defined.
      await s.accountPage(first, alice);
      s.advance(2);
      await s.accountPage(second, alice);
      s.advance(2);
      const page = await s.accountPage(third, alice);
      assert.equal(page.status, 200);

      assert.ok(isLoginPage(await first.go(`${s.lk.issuer}/account`)), 'the oldest session was ended');
      assert.equal((await second.go(`${s.lk.issuer}/account`)).status, 200);
      assert.equal((await third.go(`${s.lk.issuer}/account`)).status, 200);
      const ended = await s.auditOf(alice.id, 'session.ended');
      assert.deepEqual(ended.map((e) => e.detail?.reason), ['limit']);
    });

    test('a session unused for LATCHKEY_SESSION_IDLE_SECONDS no longer signs in; one in use stays', async () => {
      const bob = await s.lk.createUser({ email: 'bob.idle@example.com' });
      const idle = s.browser();
      const busy = s.browser();
      await s.accountPage(idle, bob);
      await s.accountPage(busy, bob);

      s.advance(300);
      assert.equal((await busy.go(`${s.lk.issuer}/account`)).status, 200, 'used after five minutes');
      s.advance(400);
      // 700 s since the idle browser was last seen, 400 s for the busy one (limit 600).
      const page = await busy.go(`${s.lk.issuer}/account`);
      assert.equal(page.status, 200);
      assert.equal((page.html.match(/<li>/g) ?? []).length, 1, 'the idle session is no longer listed');
      assert.ok(isLoginPage(await idle.go((await startAuthorization(s.notes)).url.toString())), 'the idle session gets the sign-in page at /auth');
      assert.ok(isLoginPage(await idle.go(`${s.lk.issuer}/account`)));
    });
  },
  { LATCHKEY_MAX_SESSIONS: '2', LATCHKEY_SESSION_IDLE_SECONDS: '600' },
);
