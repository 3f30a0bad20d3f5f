import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { startLatchkey } from '../helpers/latchkey.js';
import { redeem, relyingParty, signIn, startAuthorization, userAgentFor } from '../helpers/rp.js';
import { loadOrCreateKeys } from '../../src/provider/keys.js';

for (const backend of backends()) {
  describe(`a restart signs nobody out (${backend.name})`, () => {
    let open: OpenBackend;
    before(async () => {
      open = await backend.open();
    });
    after(async () => open?.close());

    test('session, signing keys and cookie keys survive a new process over the same stores', async () => {
      const first = await startLatchkey(open);
      const port = Number(new URL(first.issuer).port);
      const client = await first.createClient();
      const user = await first.createUser();
      const rp = await relyingParty(first, client);
      const ua = userAgentFor(rp);
      const { callback, started } = await signIn(ua, rp, user);
      await redeem(rp, callback, started);
      const jwksBefore = await (await fetch(`${first.issuer}/jwks`)).text();
      await first.close();
      // Let the HTTP client see its pooled connections to the old process close.
      await new Promise((r) => setTimeout(r, 100));

      const second = await startLatchkey(open, {}, { port });
      try {
        assert.equal(await (await fetch(`${second.issuer}/jwks`)).text(), jwksBefore, 'same signing keys');
        const again = await startAuthorization(await relyingParty(second, client), { prompt: 'none' });
        const page = await ua.go(again.url.toString());
        assert.equal(page.status, 0);
        const tokens = await redeem(rp, new URL(page.url), again);
        assert.equal(tokens.claims()!.sub, user.id, 'the same session, read with the same cookie keys');
      } finally {
        await second.close();
      }
    });

    test('private keys are encrypted at rest, and only the right key opens them', async () => {
      const keys = await loadOrCreateKeys(open.db, open.keyEncryptionKey);
      const dump = JSON.stringify((await open.db.query('SELECT * FROM keys')).rows);
      for (const jwk of keys.jwks.keys) assert.ok(!dump.includes(String(jwk.d)), 'no private JWK part in the table');
      for (const cookieKey of keys.cookieKeys) assert.ok(!dump.includes(cookieKey));
      await assert.rejects(loadOrCreateKeys(open.db, Buffer.alloc(32, 7)), /cannot be decrypted/);
    });
  });
}
