import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { passwordLockoutKey } from '../../../src/accounts/password-lockout.js';
import { isLoginPage, startAuthorization, userAgentFor } from '../../helpers/rp.js';
import { codeFlowSuite } from './setup.js';

codeFlowSuite('code flow: an interaction ended in one tab stays ended', (s) => {
  /** How many times the server has tried to claim "a password check is running" (its store-call counter). */
  async function claimAttempts(): Promise<number> {
    const text = await s.lk.metrics.registry.metrics();
    const line = text.split('\n').find((l) => l.startsWith('latchkey_store_calls_total{') && l.includes('operation="kv:password-check.claim"'));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  }

  test('"Cancel" while the password is being checked: the client gets access_denied, and the slow check cannot bring the sign-in back', async () => {
    const frank = await s.lk.createUser({ email: 'frank@example.com' });
    const ua = userAgentFor(s.rp);
    const page = await ua.go((await startAuthorization(s.rp)).url.toString());
    assert.ok(isLoginPage(page));
    const uid = new URL(page.url).pathname.split('/')[2]!;

    // Held here, the account's "check running" claim keeps the password request waiting
    // after it has loaded the interaction (password-login.ts retries for about two seconds).
    const checks = s.open.ephemeral.kv('password-check');
    const claimKey = passwordLockoutKey(frank.email);
    assert.equal(await checks.claim(claimKey, 30), true);
    const before = await claimAttempts();
    const slow = ua.submit(page, '/password', { email: frank.email, password: frank.password });
    for (const deadline = Date.now() + 10_000; (await claimAttempts()) === before; ) {
      assert.ok(Date.now() < deadline, 'the password request never reached its check');
      await sleep(5);
    }

    // The same browser cancels: the interaction ends and the client hears access_denied.
    const cancelled = await ua.submit(page, '/abort');
    assert.equal(cancelled.status, 0, 'the browser went back to the client');
    assert.equal(new URL(cancelled.url).searchParams.get('error'), 'access_denied');

    await checks.take(claimKey);
    const late = await slow;
    // Normally the check ran and found the interaction gone (the expired page); on a
    // machine so loaded that the request gave up waiting, it was refused unchecked.
    assert.ok(late.status === 400 || late.status === 401, `the late answer is a refusal page, not ${late.status} at ${late.url}`);
    assert.notEqual(late.status, 0, 'no way back to the client with a code');
    assert.equal(await s.open.ephemeral.adapterFor('Interaction').find(uid), undefined, 'the ended interaction was not written back');
  });
});
