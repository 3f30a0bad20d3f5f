import assert from 'node:assert/strict';
import { test } from 'node:test';
import { API, OPAQUE_API, SCOPE, machineClientsSuite } from './setup.js';

machineClientsSuite('machine clients: secret rotation, expiry and disabling', (m) => {
  const { clients, machine, token, introspect } = m;

  test('rotation: the old secret works inside the overlap and fails after it (test clock)', async () => {
    const job = await machine();
    const rotated = await clients().rotateSecret(job.clientId, 3600);
    assert.equal((await token(job, { scope: SCOPE, resource: API })).status, 200, 'old secret inside the window');
    assert.equal((await token({ ...job, clientSecret: rotated.clientSecret }, { scope: SCOPE, resource: API })).status, 200, 'new secret');
    m.now = new Date(m.now.getTime() + 3601 * 1000);
    assert.equal((await token(job, { scope: SCOPE, resource: API })).body.error, 'invalid_client', 'old secret after the window');
    assert.equal((await token({ ...job, clientSecret: rotated.clientSecret }, { scope: SCOPE, resource: API })).status, 200);
    await clients().revokeSecret(job.clientId, rotated.secretId);
    assert.equal((await token({ ...job, clientSecret: rotated.clientSecret }, { scope: SCOPE, resource: API })).body.error, 'invalid_client', 'revoked');
  });

  test('a secret with its own expiry stops working at that time', async () => {
    const job = await machine({ secretExpiresAt: new Date(m.now.getTime() + 600_000) });
    assert.equal((await token(job, { scope: SCOPE, resource: API })).status, 200);
    m.now = new Date(m.now.getTime() + 601_000);
    assert.equal((await token(job, { scope: SCOPE, resource: API })).body.error, 'invalid_client');
  });

  test('expired and disabled clients get invalid_client; their tokens stop introspecting as active', async () => {
    const expiring = await machine({ expiresAt: new Date(m.now.getTime() + 60_000) });
    const issued = await token(expiring, { scope: SCOPE, resource: API });
    assert.equal(issued.status, 200);
    m.now = new Date(m.now.getTime() + 61_000);
    assert.equal((await token(expiring, { scope: SCOPE, resource: API })).body.error, 'invalid_client');

    const job = await machine();
    // JWT access tokens are checked by signature, not introspected; opaque ones are.
    const live = await token(job, { scope: SCOPE, resource: OPAQUE_API });
    assert.equal((await introspect(m.introspector, String(live.body.access_token))).active, true);
    await clients().disable(job.clientId);
    assert.equal((await token(job, { scope: SCOPE, resource: API })).body.error, 'invalid_client');
    assert.equal((await introspect(m.introspector, String(live.body.access_token))).active, false);
  });

  test('last use is recorded per secret, in batches, never the secret itself', async () => {
    const job = await machine();
    assert.equal((await clients().show(job.clientId))!.secrets[0]!.lastUsedAt, null);
    await token(job, { scope: SCOPE, resource: API });
    await m.lk.flush();
    const shown = await clients().show(job.clientId);
    assert.equal(shown!.secrets[0]!.lastUsedAt?.getTime(), m.now.getTime());
    assert.ok(!JSON.stringify(shown).includes(job.clientSecret));
  });
});
