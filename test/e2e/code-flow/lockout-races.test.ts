import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAuditLog } from '../../../src/audit/audit-log.js';
import { isLoginPage, startAuthorization, userAgentFor } from '../../helpers/rp.js';
import { codeFlowSuite } from './setup.js';

// The suite's Latchkey locks an account after LATCHKEY_LOCKOUT_ATTEMPTS=4 failures.
const LIMIT = 4;
const message = (html: string) => /<p class="error"[^>]*>([^<]*)</.exec(html)?.[1];

codeFlowSuite('code flow: a lockout that cannot be raced or respelled', (s) => {
  async function signInPage() {
    const ua = userAgentFor(s.rp);
    return { ua, page: await ua.go((await startAuthorization(s.rp)).url.toString()) };
  }
  const audit = () => createAuditLog(s.open.db);
  // Every password checked and found wrong is one `login.failed` event: the count of checks.
  const checked = async (accountId: string) => (await audit().list({ accountId, type: 'login.failed' })).length;

  test('50 wrong passwords at once get no more password checks than the limit; the right one right after is refused', async () => {
    const carol = await s.lk.createUser({ email: 'carol@example.com' });
    const { ua, page } = await signInPage();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => ua.submit(page, '/password', { email: carol.email, password: `guess-number-${i}-wrong` })),
    );
    const checks = await checked(carol.id);
    assert.ok(checks >= 1 && checks <= LIMIT, `${checks} password checks for ${LIMIT} allowed`);
    assert.ok(answers.every((a) => a.status === 401), 'every answer is the wrong-password page, locked or not');
    assert.equal(new Set(answers.map((a) => message(a.html))).size, 1, 'one message for all of them');
    const right = await ua.submit(page, '/password', { email: carol.email, password: carol.password });
    assert.ok(isLoginPage(right) || right.status === 401, 'the right password is refused: still the sign-in page');
    assert.equal(right.status, 401);
    assert.equal(message(right.html), message(answers[0]!.html), 'and it looks exactly like a wrong password');
    assert.equal(await checked(carol.id), checks, 'the refused right password was not even checked');
    assert.equal((await audit().list({ accountId: carol.id, type: 'login.succeeded' })).length, 0);
  });

  test('spellings of one address that fold together share one budget', async () => {
    const dave = await s.lk.createUser({ email: 'dave@example.com' });
    const { ua, page } = await signInPage();
    // Case, spaces around it, fullwidth letters (NFKC folds them to ASCII).
    const spellings = ['DAVE@example.com', '  dave@EXAMPLE.com ', 'ｄａｖｅ@example.com', 'Dave@Example.Com'];
    for (const email of spellings) assert.equal((await ua.submit(page, '/password', { email, password: 'not-the-right-one' })).status, 401);
    assert.equal(await checked(dave.id), LIMIT, 'four spellings, four failures of the same account');
    const locked = await audit().list({ accountId: dave.id, type: 'account.locked' });
    assert.equal(locked.length, 1, 'the fourth spelling used up the one budget');
    const right = await ua.submit(page, '/password', { email: 'ＤＡＶＥ@example.com ', password: dave.password });
    assert.equal(right.status, 401, 'the right password in yet another spelling is refused');
  });

  test('the canonical address signs in whatever spelling is typed', async () => {
    const erin = await s.lk.createUser({ email: 'Erin@Example.com' });
    const { ua, page } = await signInPage();
    const done = await ua.submit(page, '/password', { email: ' ＥＲＩＮ@example.COM ', password: erin.password });
    assert.notEqual(done.status, 401, 'a fullwidth, upper-case spelling with spaces finds the account');
    assert.ok(done.status === 0 || done.html.includes('/enrol/skip"'));
  });
});
