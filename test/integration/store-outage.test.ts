import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { startLatchkey, type TestLatchkey } from '../helpers/latchkey.js';
import { relyingParty, startAuthorization, type TestRp } from '../helpers/rp.js';

// Only the Postgres + Redis backend has a store that can go away under a running process.
const withRedis = backends().filter((b) => b.name === 'postgres+redis');

for (const backend of withRedis) {
  describe('a store outage fails closed', () => {
    let open: OpenBackend;
    let lk: TestLatchkey;
    let rp: TestRp;
    before(async () => {
      open = await backend.open();
      lk = await startLatchkey(open);
      rp = await relyingParty(lk, await lk.createClient());
    });
    after(async () => {
      await lk?.close();
      await open?.close();
    });

    test('with Redis gone: /readyz is 503 and sign-in shows an error page, never a session', async () => {
      assert.equal((await fetch(`${lk.issuer}/readyz`)).status, 200);
      const redis = open.redis;
      if (!redis) throw new Error('expected Redis');
      redis.disconnect();
      try {
        const ready = await fetch(`${lk.issuer}/readyz`);
        assert.equal(ready.status, 503);
        assert.deepEqual(((await ready.json()) as { checks: Record<string, string> }).checks, { database: 'ok', redis: 'unavailable' });
        const started = await startAuthorization(rp);
        const res = await fetch(started.url, { redirect: 'manual' });
        // RFC 6749 §4.1.2.1: the app is told `temporarily_unavailable` at its redirect URI
        // (never a code, never into a half-made sign-in), or, where it cannot be, a page.
        const location = res.headers.get('location');
        if (location) {
          assert.equal(res.status, 303);
          const back = new URL(location);
          assert.equal(`${back.origin}${back.pathname}`, rp.redirectUri);
          assert.equal(back.searchParams.get('error'), 'temporarily_unavailable');
          assert.equal(back.searchParams.get('code'), null);
        } else {
          assert.equal(res.status, 503);
          assert.match(await res.text(), /<title>/);
        }
        assert.equal(res.headers.getSetCookie().length, 0, 'no session cookie');
      } finally {
        await redis.connect();
      }
      assert.equal((await fetch(`${lk.issuer}/readyz`)).status, 200, 'ready again once Redis is back');
    });
  });
}
