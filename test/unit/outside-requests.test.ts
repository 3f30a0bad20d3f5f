import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ttlCache } from '../../src/common/ttl-cache.js';
import { onceOutsideRequests, outsideRequests } from '../../src/common/outside-requests.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const settle = () => new Promise((resolve) => setImmediate(resolve));

// The engine keeps each request's context the same way (oidc-provider's Provider.ctx).
const requests = new AsyncLocalStorage<{ body: Buffer }>();

test('work started outside requests sees no request, and the request resumes in its own', async () => {
  const request = { body: Buffer.alloc(16) };
  await requests.run(request, async () => {
    const seen = await outsideRequests(async () => {
      await settle();
      return requests.getStore();
    });
    assert.equal(seen, undefined);
    assert.equal(requests.getStore(), request);
  });
});

test('a cached lookup does not keep the request that filled it in memory', async () => {
  let loads = 0;
  const cache = ttlCache(async (key: string) => {
    loads += 1;
    await settle();
    return { key, seenRequest: requests.getStore() !== undefined };
  }, 60);
  let first: WeakRef<object> | undefined;
  await (async () => {
    const request = { body: Buffer.alloc(1 << 20) };
    first = new WeakRef(request);
    const value = await requests.run(request, () => cache('client-a'));
    assert.equal(value.seenRequest, false);
  })();
  for (let i = 0; i < 3; i++) {
    await settle();
    gc();
  }
  assert.equal(first!.deref(), undefined, 'the request that filled the cache is still in memory');
  // The control: on this runtime a promise made inside a request does keep it (what the cache avoids).
  const kept: Array<Promise<unknown>> = [];
  let control: WeakRef<object> | undefined;
  await (async () => {
    const request = { body: Buffer.alloc(1 << 20) };
    control = new WeakRef(request);
    await requests.run(request, () => {
      const held = (async () => settle())();
      kept.push(held);
      return held;
    });
  })();
  for (let i = 0; i < 3; i++) {
    await settle();
    gc();
  }
  assert.notEqual(control!.deref(), undefined, 'a promise made inside a request holds it here: the check above means something');
  // The entry itself is still there: a second request is answered from it.
  await requests.run({ body: Buffer.alloc(16) }, () => cache('client-a'));
  assert.equal(loads, 1);
});

test('what a call does to its context stays with that call', async () => {
  // A tracing agent's enterWith inside one lookup must not leak into the next.
  await outsideRequests(async () => requests.enterWith({ body: Buffer.alloc(8) }));
  assert.equal(await outsideRequests(async () => requests.getStore()), undefined);
});

test('a once-per-process load runs once outside requests, and a failed one is tried again', async () => {
  let calls = 0;
  let fail = true;
  const library = onceOutsideRequests(async () => {
    calls += 1;
    await settle();
    if (fail) throw new Error('module not found');
    return { seenRequest: requests.getStore() !== undefined };
  });
  // Two requests at once while the first load fails: one load, both see its error.
  const first = await Promise.allSettled([
    requests.run({ body: Buffer.alloc(8) }, () => library()),
    requests.run({ body: Buffer.alloc(8) }, () => library()),
  ]);
  assert.deepEqual(
    first.map((r) => r.status),
    ['rejected', 'rejected'],
  );
  assert.equal(calls, 1);
  // The failure is not kept: the next caller loads again, and from then on it is shared.
  fail = false;
  const [a, b] = await requests.run({ body: Buffer.alloc(8) }, () => Promise.all([library(), library()]));
  assert.equal(calls, 2);
  assert.equal(a, b);
  assert.equal(a.seenRequest, false);
  assert.equal(await library(), a);
  assert.equal(calls, 2);
});
