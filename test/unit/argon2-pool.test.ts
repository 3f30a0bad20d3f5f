import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Argon2Busy, configureArgon2Pool, withArgon2Slot } from '../../src/accounts/argon2-pool.js';

test('at most `concurrency` run at once, `queue` wait, the rest are refused at once; slots pass in order', async () => {
  configureArgon2Pool({ concurrency: 2, queue: 2 });
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  const gates: Array<() => void> = [];
  const job = (n: number) =>
    withArgon2Slot(async () => {
      running += 1;
      peak = Math.max(peak, running);
      order.push(n);
      await new Promise<void>((resolve) => gates.push(resolve));
      running -= 1;
      return n;
    });
  const settled = [1, 2, 3, 4, 5, 6].map((n) => job(n).then((v) => ({ ok: v }), (err: unknown) => ({ err })));
  // Release the running jobs one by one until everything admitted has run.
  while (order.length < 4 || gates.length) {
    await new Promise((resolve) => setImmediate(resolve));
    gates.shift()?.();
  }
  const results = await Promise.all(settled);
  assert.deepEqual(results.slice(0, 4), [{ ok: 1 }, { ok: 2 }, { ok: 3 }, { ok: 4 }]);
  for (const r of results.slice(4)) {
    assert.ok('err' in r && r.err instanceof Argon2Busy);
    assert.equal((r.err as Argon2Busy).status, 503);
    assert.ok(Number((r.err as Argon2Busy).headers['Retry-After']) > 0);
  }
  assert.equal(peak, 2);
  assert.deepEqual(order, [1, 2, 3, 4], 'the queue is served first come, first served');
  // A failing job frees its slot too.
  await assert.rejects(withArgon2Slot(async () => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(await withArgon2Slot(async () => 'free'), 'free');
});
