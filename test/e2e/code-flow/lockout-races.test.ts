import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAuditLog } from '../../../src/audit/audit-log.js';
import { startAuthorization, userAgentFor } from '../../helpers/rp.js';
import { codeFlowSuite } from './setup.js';

// The suite's Latchkey locks an account after LATCHKEY_LOCKOUT_ATTEMPTS=4 failures.
const LIMIT = 4;

codeFlowSuite('code flow: a lockout that cannot be raced or respelled', (s) => {
  async function signInPage() {
    const ua = userAgentFor(s.rp);
    return { ua, page: await ua.go((await startAuthorization(s.rp)).url.toString()) };
  }
  const checked = async (accountId: string) => {
    const audit = createAuditLog(s.open.db);
    return (await audit.list({ accountId, type: 'login.failed' })).length + (await audit.list({ accountId, type: 'account.locked' })).length;
  };

  test('50 wrong passwords at once get no more password checks than the limit; the right one right after is refused', async () => {
    const carol = await s.lk.createUser({ email: 'carol@example.com' });
    const { ua, page } = await signInPage();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => ua.submit(page, '/password', { email: carol.email, password: `guess-number-${i}-wrong` })),
    );
    assert.equal(await checked(carol.id), LIMIT, 'each checked password is one audit event: exactly the allowance');
    assert.equal(answers.filter((a) => a.status === 401).length, LIMIT - 1, 'the last allowed failure already answers "locked"');
    assert.equal(answers.filter((a) => a.status === 429).length, 50 - (LIMIT - 1));
    const right = await ua.submit(page, '/password', { email: carol.email, password: carol.password });
    assert.equal(right.status, 429);
  });

  test('spellings of one address that fold together share one budget', async () => {
    const dave = await s.lk.createUser({ email: 'dave@example.com' });
    const { ua, page } = await signInPage();
    // Case, spaces around it, fullwidth letters (NFKC folds them to ASCII).
    const spellings = ['DAVE@example.com', '  dave@EXAMPLE.com ', 'ｄａｖｅ@example.com', 'Dave@Example.Com'];
    const statuses: number[] = [];
    for (const email of spellings) statuses.push((await ua.submit(page, '/password', { email, password: 'not-the-right-one' })).status);
    assert.deepEqual(statuses, [401, 401, 401, 429], 'the fourth spelling is the fourth failure of the same account');
    const right = await ua.submit(page, '/password', { email: 'dave@example.com', password: dave.password });
    assert.equal(right.status, 429);
  });

  test('the canonical address signs in whatever spelling is typed', async () => {
    const erin = await s.lk.createUser({ email: 'Erin@Example.com' });
    const { ua, page } = await signInPage();
    const done = await ua.submit(page, '/password', { email: ' ＥＲＩＮ@example.COM ', password: erin.password });
    assert.notEqual(done.status, 401, 'a fullwidth, upper-case spelling with spaces finds the account');
    assert.ok(done.status === 0 || done.html.includes('/enrol/skip"'));
  });
});
