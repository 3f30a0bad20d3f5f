import { test } from 'node:test';
import assert from 'node:assert/strict';
import Keygrip from 'keygrip';
import { cookieSigner, cookieSecrets } from '../../src/common/cookie-keys.js';

test('one signer per key set signs and verifies as Keygrip over the list of keys did, newest first', () => {
  const keys = cookieSigner(['key-2026-12', 'key-2026-11']);
  const asList = new Keygrip(['key-2026-12', 'key-2026-11']);
  const signature = keys.sign('latchkey.session=abc');
  assert.equal(signature, asList.sign('latchkey.session=abc'));
  assert.equal(keys.verify('latchkey.session=abc', signature), true);
  // A cookie signed with the older key still verifies; a foreign one does not.
  assert.equal(keys.index('x', new Keygrip(['key-2026-11']).sign('x')), 1);
  assert.equal(keys.verify('x', new Keygrip(['someone-else']).sign('x')), false);
});

test('signatures are Keygrip\'s, so cookies signed before stay valid, and only an exact signature verifies', () => {
  const keys = cookieSigner(['key-2026-12', 'key-2026-11']);
  const old = new Keygrip(['key-2026-12', 'key-2026-11']);
  // A SHA-1 signature is 20 bytes: its base64 ends in '=', which Keygrip strips, and may hold '+' or '/', which it rewrites.
  for (const data of ['', 'a', 'latchkey.csrf=Zm9v', 'x'.repeat(500), 'é ü ✓']) {
    assert.equal(keys.sign(data), old.sign(data));
    assert.equal(keys.index(data, old.sign(data)), 0);
    assert.equal(old.index(data, keys.sign(data)), 0);
  }
  const good = keys.sign('v');
  const flipped = (good[0] === 'A' ? 'B' : 'A') + good.slice(1);
  for (const bad of [flipped, good.slice(1), `${good}=`, `${good}A`, '', good.toLowerCase() === good ? good.toUpperCase() : good.toLowerCase()]) {
    assert.equal(keys.index('v', bad), -1, `refused: ${JSON.stringify(bad)}`);
  }
  // The cookies module passes whatever the browser sent; a non-ASCII signature is refused too.
  assert.equal(keys.index('v', 'é'.repeat(27)), -1);
  assert.throws(() => cookieSigner([]), /Keys must be provided/);
});

test('the secrets behind the app keys are readable for derived keys (CSRF), from either form', () => {
  assert.deepEqual(cookieSecrets(cookieSigner(['a', 'b'])), ['a', 'b']);
  assert.deepEqual(cookieSecrets(['a', 'b']), ['a', 'b']);
  assert.deepEqual(cookieSecrets(new Keygrip(['hidden'])), [], 'a bare Keygrip hides its keys: none, and CSRF fails closed');
  assert.deepEqual(cookieSecrets(undefined), []);
});
