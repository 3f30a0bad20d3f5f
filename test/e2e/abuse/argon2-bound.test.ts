import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEnrolOffer, startAuthorization } from '../../helpers/rp.js';
import type { Page } from '../../helpers/user-agent.js';
import { abuseSuite, userAgentWith } from './setup.js';

// One password check at a time and one waiting: a burst overflows the queue at once.
const ENV = { LATCHKEY_ARGON2_CONCURRENCY: '1', LATCHKEY_ARGON2_QUEUE: '1', LATCHKEY_RATE_LIMIT_IP: '1000/60', LATCHKEY_RATE_LIMIT_GLOBAL: '1000/60' };
const PARALLEL = 24;

abuseSuite('abuse: the global bound on password hashing', ENV, (s) => {
  test('a burst of sign-ins beyond the queue gets 503 with Retry-After; none fails with 500; the rest succeed or fail normally', async () => {
    const users = [await s.lk.createUser(), await s.lk.createUser(), await s.lk.createUser()];
    // Prepared one by one (each its own browser at the sign-in page), then sent at once.
    const attempts: Array<{ submit: () => Promise<{ page: Page; retryAfter: string | null }>; right: boolean }> = [];
    for (let i = 0; i < PARALLEL; i += 1) {
      let retryAfter: string | null = null;
      const ua = userAgentWith(s.rp, () => ({}), (h) => (retryAfter = h.get('retry-after')));
      const page = await ua.go((await startAuthorization(s.rp)).url.toString());
      const user = users[Math.floor(i / 3) % users.length]!;
      // Every third is a wrong password or an unknown email (the dummy verify is work too).
      const kind = i % 3;
      const fields =
        kind === 0 ? { email: user.email, password: user.password } : kind === 1 ? { email: user.email, password: `wrong ${i}` } : { email: `ghost${i}@example.com`, password: `wrong ${i}` };
      attempts.push({ right: kind === 0, submit: async () => ({ page: await ua.submit(page, '/password', fields), retryAfter }) });
    }

    const results = await Promise.all(attempts.map(async (a) => ({ ...(await a.submit()), right: a.right })));
    const busy = results.filter((r) => r.page.status === 503);
    const served = results.filter((r) => r.page.status !== 503);
    assert.ok(busy.length > 0, 'some are refused as busy');
    assert.ok(served.length > 0, 'the ones holding a slot or a place in the queue are served');
    for (const r of busy) {
      assert.match(r.page.html, /<title>Latchkey is busy · Latchkey<\/title>/);
      assert.match(r.page.html, /try again in a few seconds/);
      assert.ok(Number(r.retryAfter) > 0, 'Retry-After');
    }
    for (const r of served) {
      if (r.right) assert.ok(isEnrolOffer(r.page) || r.page.status === 0, `a right password signs in (${r.page.status})`);
      else assert.equal(r.page.status, 401, 'a wrong password is an ordinary failure');
    }
    assert.ok(results.every((r) => r.page.status < 500 || r.page.status === 503), 'never a 500');

    // Once the burst is over, the same people sign in as usual.
    const ua = userAgentWith(s.rp, () => ({}));
    const page = await ua.go((await startAuthorization(s.rp)).url.toString());
    const after = await ua.submit(page, '/password', { email: s.alice.email, password: s.alice.password });
    assert.ok(isEnrolOffer(after) || after.status === 0, `signs in after the burst (${after.status})`);
  });
});
