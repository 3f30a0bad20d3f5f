import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import type { OpenBackend } from '../../helpers/backends.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { redeem, relyingParty, signIn, startAuthorization, userAgentFor, type TestRp } from '../../helpers/rp.js';
import { rotateKeys, rotationPolicy, type RotationPolicy } from '../../../src/provider/key-rotation.js';
import { operationsSuite } from './setup.js';

const HOUR = 3600_000;

operationsSuite('operations: signing-key rotation', (backend) => {
  let open: OpenBackend;
  let lk: TestLatchkey;
  let rp: TestRp;
  let alice: { email: string; password: string };
  // The test clock: key activation and retirement follow it; tokens keep real time.
  let now = new Date();
  const at = (ms: number) => (now = new Date(now.getTime() + ms));

  before(async () => {
    open = await backend.open();
    lk = await startLatchkey(open, {}, { clock: () => now });
    rp = await relyingParty(lk, await lk.createClient({ name: 'Notes' }));
    alice = await lk.createUser({ email: 'alice@example.com' });
  });
  after(async () => {
    await lk?.close();
    await open?.close();
  });

  const jwks = async () => {
    const res = await fetch(`${lk.issuer}/jwks`);
    assert.equal(res.status, 200);
    return (await res.json()) as JSONWebKeySet & { keys: Array<{ kid: string; alg: string; d?: string }> };
  };
  const kidsOf = async (alg: string) => (await jwks()).keys.filter((k) => k.alg === alg).map((k) => k.kid);
  const idToken = async (ua = userAgentFor(rp)) => {
    const { callback, started } = await signIn(ua, rp, alice);
    return (await redeem(rp, callback, started)).id_token!;
  };
  const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid;
  /** What a relying party does: verify against the JWKS it fetches now. */
  const verifies = async (jwt: string) => {
    try {
      await jwtVerify(jwt, createLocalJWKSet(await jwks()), { issuer: lk.issuer, audience: rp.clientId });
      return true;
    } catch {
      return false;
    }
  };

  test('a new key is published before it signs, signs after the delay, and the old one leaves /jwks only after its tokens expired', async () => {
    const ua = userAgentFor(rp);
    const first = await idToken(ua);
    const oldKid = kidOf(first);
    assert.deepEqual(await kidsOf('ES256'), [oldKid]);
    const etagBefore = (await fetch(`${lk.issuer}/jwks`)).headers.get('etag');

    const policy: RotationPolicy = await rotationPolicy(open.db, lk.config);
    const rotation = (await rotateKeys(open.db, open.keyEncryptionKey, now, policy))!;
    const newKid = rotation.added.find((k) => k.use === 'sig' && k.alg === 'ES256')!.kid;
    assert.equal(await lk.refreshKeys(), true, 'this process sees the new rows');
    assert.notEqual((await fetch(`${lk.issuer}/jwks`)).headers.get('etag'), etagBefore, 'the pre-built JWKS is rebuilt with the keys');

    // Published at once, and never with a private part…
    assert.deepEqual((await kidsOf('ES256')).sort(), [oldKid, newKid].sort());
    assert.ok((await jwks()).keys.every((k) => k.d === undefined));
    // …but the old key still signs.
    const beforeSwitch = await idToken();
    assert.equal(kidOf(beforeSwitch), oldKid);
    assert.equal(await verifies(beforeSwitch), true);

    // A second rotation while this one is pending is refused.
    await assert.rejects(rotateKeys(open.db, open.keyEncryptionKey, now, policy), /already scheduled/);

    at(policy.activateAfterSeconds * 1000 + 1000);
    assert.equal(await lk.refreshKeys(), true);
    const afterSwitch = await idToken();
    assert.equal(kidOf(afterSwitch), newKid, 'the new key signs after the delay');
    assert.equal(await verifies(afterSwitch), true);
    assert.equal(await verifies(first), true, 'tokens of the old key still verify');
    // The session cookie from before the rotation still works (the old cookie key verifies).
    const resumed = await ua.go((await startAuthorization(rp)).url.toString());
    assert.equal(resumed.status, 0, 'signed in without a new sign-in page');
    assert.match(resumed.url, /[?&]code=/);

    at(policy.signingRetentionSeconds * 1000 - 60_000);
    assert.equal(await lk.refreshKeys(), false, 'nothing changes before retirement');
    assert.ok((await kidsOf('ES256')).includes(oldKid));

    at(2 * 60_000);
    assert.equal(await lk.refreshKeys(), true);
    assert.deepEqual(await kidsOf('ES256'), [newKid], 'the old key is retired');
    assert.equal(await verifies(first), false, 'its tokens no longer verify');
    assert.equal(await verifies(afterSwitch), true);
    assert.equal((await kidsOf('RS256')).length, 1, 'RS256 rotated the same way');
  });

  test('a second process over the same store picks the rotation up without a restart', async () => {
    const second = await startLatchkey(open, {}, { clock: () => now });
    try {
      const policy = await rotationPolicy(open.db, lk.config);
      const rotation = (await rotateKeys(open.db, open.keyEncryptionKey, now, policy))!;
      const newKid = rotation.added.find((k) => k.use === 'sig' && k.alg === 'ES256')!.kid;
      assert.equal(await second.refreshKeys(), true);
      const res = await fetch(`${second.issuer}/jwks`);
      assert.ok(((await res.json()) as { keys: Array<{ kid: string }> }).keys.some((k) => k.kid === newKid));
      at(policy.activateAfterSeconds * 1000 + 1000);
      await second.refreshKeys();
      await lk.refreshKeys();
      assert.equal(kidOf(await idToken()), newKid);
    } finally {
      await second.close();
    }
  });

  test('with LATCHKEY_KEY_ROTATION_DAYS the keys rotate by themselves, once', async () => {
    const auto = await startLatchkey(open, { LATCHKEY_KEY_ROTATION_DAYS: '30' }, { clock: () => now });
    try {
      const before = await kidsOf('ES256');
      assert.equal(await auto.refreshKeys(), false, 'not due yet');
      at(31 * 24 * HOUR);
      assert.equal(await auto.refreshKeys(), true);
      const published = (await (await fetch(`${auto.issuer}/jwks`)).json()) as { keys: Array<{ kid: string; alg: string }> };
      const added = published.keys.filter((k) => k.alg === 'ES256' && !before.includes(k.kid));
      assert.equal(added.length, 1, 'one new ES256 key, published');
      assert.equal(await auto.refreshKeys(), false, 'a pending rotation is not repeated');
    } finally {
      await auto.close();
    }
  });
});
