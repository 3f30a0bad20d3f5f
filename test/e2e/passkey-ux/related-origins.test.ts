import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createAccountsRepo } from '../../../src/accounts/accounts-repo.js';
import { createPasskeysRepo } from '../../../src/passkeys/passkeys-repo.js';
import { UNKNOWN_PASSKEY } from '../../../src/passkeys/passkey-error.js';
import { startAuthorization, userAgentFor } from '../../helpers/rp.js';
import { csrfOf, uxSetup } from './setup.js';

const RELATED = ['https://login.example.net', 'https://shop.example.co.uk'];

describe('related origins: /.well-known/webauthn and ceremonies from those origins (HTTP)', () => {
  const s = uxSetup({ LATCHKEY_WEBAUTHN_RELATED_ORIGINS: ` ${RELATED.join(' , ')} ` });

  test('GET /.well-known/webauthn lists the origins: JSON, cacheable, readable from the other origins', async () => {
    const res = await fetch(`${s.lk.issuer}/.well-known/webauthn`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.match(res.headers.get('cache-control') ?? '', /^public, max-age=\d+$/);
    assert.equal(res.headers.get('cross-origin-resource-policy'), 'cross-origin');
    assert.deepEqual(await res.json(), { origins: RELATED });
    const head = await fetch(`${s.lk.issuer}/.well-known/webauthn`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    const post = await fetch(`${s.lk.issuer}/.well-known/webauthn`, { method: 'POST' });
    assert.equal(post.status, 405);
  });

  /** A discoverable passkey sign-in whose assertion says it was made on `origin`. */
  async function signInFrom(origin: string) {
    const user = await s.lk.createUser();
    const authenticator = s.authenticatorFor(user.id, origin);
    await authenticator.enrolIn(createPasskeysRepo(s.open.db));
    const ua = userAgentFor(s.rp);
    const login = await ua.go((await startAuthorization(s.rp)).url.toString());
    const options = await ua.postJson(`${login.url}/passkey-sign-in/options`, {}, { 'x-csrf-token': csrfOf(login) });
    const credential = authenticator.assert((options.body as { challenge: string }).challenge);
    return ua.postJson(`${login.url}/passkey-sign-in/verify`, { credential }, { 'x-csrf-token': csrfOf(login) });
  }

  test('an assertion made on a related origin signs in; one from an unlisted origin is refused', async () => {
    for (const origin of RELATED) {
      const ok = await signInFrom(origin);
      assert.equal(ok.status, 200, `${origin}: ${JSON.stringify(ok.body)}`);
    }
    const refused = await signInFrom('https://evil.example.org');
    assert.equal(refused.status, 400);
    assert.equal((refused.body as { error: string }).error, 'passkey.invalid');
  });

  test('a passkey created on a related origin is accepted', async () => {
    const user = await s.lk.createUser();
    const { ua, base, csrf } = await s.readyToEnrol(user);
    const options = await ua.postJson(`${base}/enrol/options`, {}, { 'x-csrf-token': csrf });
    const credential = s.authenticatorFor(user.id, RELATED[1]).attest((options.body as { challenge: string }).challenge);
    const verified = await ua.postJson(`${base}/enrol/verify`, { credential }, { 'x-csrf-token': csrf });
    assert.equal(verified.status, 200, JSON.stringify(verified.body));
  });
});

describe('passkey sign-in: "unknown credential" only for an id no account holds (HTTP)', () => {
  const s = uxSetup();

  async function signInWith(authenticator: ReturnType<typeof s.authenticatorFor>) {
    const ua = userAgentFor(s.rp);
    const login = await ua.go((await startAuthorization(s.rp)).url.toString());
    const options = await ua.postJson(`${login.url}/passkey-sign-in/options`, {}, { 'x-csrf-token': csrfOf(login) });
    const credential = authenticator.assert((options.body as { challenge: string }).challenge);
    return ua.postJson(`${login.url}/passkey-sign-in/verify`, { credential }, { 'x-csrf-token': csrfOf(login) });
  }

  test('without related origins /.well-known/webauthn is not found', async () => {
    const res = await fetch(`${s.lk.issuer}/.well-known/webauthn`);
    assert.equal(res.status, 404);
  });

  test('a credential id nobody holds: passkey.unknown_credential (what makes the page signal it)', async () => {
    const user = await s.lk.createUser();
    const reply = await signInWith(s.authenticatorFor(user.id));
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.body, { error: 'passkey.unknown_credential', message: UNKNOWN_PASSKEY });
  });

  test('a disabled account\'s passkey: the same words, never that code (the browser must not delete it)', async () => {
    const user = await s.lk.createUser();
    const authenticator = s.authenticatorFor(user.id);
    await authenticator.enrolIn(createPasskeysRepo(s.open.db));
    await createAccountsRepo(s.open.db).setDisabled(user.id, new Date());
    const reply = await signInWith(authenticator);
    assert.equal(reply.status, 400);
    const body = reply.body as { error: string; message: string };
    assert.notEqual(body.error, 'passkey.unknown_credential');
    assert.equal(body.message, UNKNOWN_PASSKEY);
  });
});
