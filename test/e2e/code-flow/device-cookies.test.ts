import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAuditLog } from '../../../src/audit/audit-log.js';
import { redeem, signIn, startAuthorization, userAgentFor } from '../../helpers/rp.js';
import { codeFlowSuite } from './setup.js';

// The suite's Latchkey locks an account after LATCHKEY_LOCKOUT_ATTEMPTS=4 failures.
const LIMIT = 4;

codeFlowSuite('code flow: a stranger cannot lock the owner out (device cookies)', (s) => {
  test("the owner's known browser still signs in while a stranger's guesses lock the account", async () => {
    const frank = await s.lk.createUser({ email: 'frank@example.com' });
    const owner = userAgentFor(s.rp);
    await signIn(owner, s.rp, frank); // this browser now carries a device cookie for frank

    const stranger = userAgentFor(s.rp);
    const page = await stranger.go((await startAuthorization(s.rp)).url.toString());
    for (let i = 0; i < LIMIT + 2; i += 1) {
      assert.equal((await stranger.submit(page, '/password', { email: frank.email, password: `guess-${i}` })).status, 401);
    }
    const refused = await stranger.submit(page, '/password', { email: frank.email, password: frank.password });
    assert.equal(refused.status, 401, 'the stranger with the right password is refused while the account is locked');

    // prompt=login: a full password sign-in again, from the browser that signed in before.
    const { callback, started } = await signIn(owner, s.rp, frank, { prompt: 'login' });
    const tokens = await redeem(s.rp, callback, started);
    assert.equal(tokens.claims()?.sub, frank.id);

    const another = userAgentFor(s.rp);
    const fresh = await another.go((await startAuthorization(s.rp)).url.toString());
    const stillLocked = await another.submit(fresh, '/password', { email: frank.email, password: frank.password });
    assert.equal(stillLocked.status, 401, "the owner's sign-in does not lift the lock for unknown browsers");

    const events = await createAuditLog(s.open.db).list({ accountId: frank.id });
    const locked = events.filter((e) => e.type === 'account.locked');
    assert.equal(locked.length, 1);
    assert.equal(locked[0]!.detail?.budget, 'unknown-devices');
    const succeeded = events.filter((e) => e.type === 'login.succeeded');
    assert.deepEqual(succeeded.map((e) => e.detail?.newDevice), [true, false], 'first from a new browser, then from a known one');
  });

  test("a known browser's own failures use its own budget", async () => {
    const gina = await s.lk.createUser({ email: 'gina@example.com' });
    const owner = userAgentFor(s.rp);
    await signIn(owner, s.rp, gina);
    const page = await owner.go((await startAuthorization(s.rp, { prompt: 'login' })).url.toString());
    for (let i = 0; i < LIMIT; i += 1) await owner.submit(page, '/password', { email: gina.email, password: `typo-${i}` });
    const refused = await owner.submit(page, '/password', { email: gina.email, password: gina.password });
    assert.equal(refused.status, 401, 'the known browser is locked after its own failures');

    const elsewhere = userAgentFor(s.rp);
    await signIn(elsewhere, s.rp, gina); // and that did not use up the budget of other browsers
  });
});
