import { test } from 'node:test';
import assert from 'node:assert/strict';
import Keygrip from 'keygrip';
import { cookieKeygrip, cookieSecrets } from '../../src/common/cookie-keys.js';

test('one Keygrip per key set signs and verifies as the list of keys did, newest first', () => {
  const keys = cookieKeygrip(['key-2026-12', 'key-2026-11']);
  const asList = new Keygrip(['key-2026-12', 'key-2026-11']);
  const signature = keys.sign('latchkey.session=abc');
  assert.equal(signature, asList.sign('latchkey.session=abc'));
  assert.equal(keys.verify('latchkey.session=abc', signature), true);
  // A cookie signed with the older key still verifies; a foreign one does not.
  assert.equal(keys.index('x', new Keygrip(['key-2026-11']).sign('x')), 1);
  assert.equal(keys.verify('x', new Keygrip(['someone-else']).sign('x')), false);
});

test('the secrets behind the app keys are readable for derived keys (CSRF), from either form', () => {
  assert.deepEqual(cookieSecrets(cookieKeygrip(['a', 'b'])), ['a', 'b']);
  assert.deepEqual(cookieSecrets(['a', 'b']), ['a', 'b']);
  assert.deepEqual(cookieSecrets(new Keygrip(['hidden'])), [], 'a bare Keygrip hides its keys: none, and CSRF fails closed');
  assert.deepEqual(cookieSecrets(undefined), []);
});
