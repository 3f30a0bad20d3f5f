import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accountTag, decodeDevice, encodeDevice, knowsAccount, MAX_ACCOUNTS_PER_DEVICE, rememberAccount } from '../../src/accounts/device-token.js';

test('a device cookie names a random device and hashed accounts, newest first, a few at most', () => {
  const one = rememberAccount(undefined, 'sub-alice');
  assert.match(one.id, /^[A-Za-z0-9_-]{22}$/);
  assert.ok(!encodeDevice(one).includes('sub-alice'), 'the account id itself is not in the cookie');
  assert.ok(knowsAccount(one, 'sub-alice'));
  assert.ok(!knowsAccount(one, 'sub-bob'));
  let device = one;
  for (let i = 0; i < MAX_ACCOUNTS_PER_DEVICE + 2; i += 1) device = rememberAccount(device, `sub-${i}`);
  assert.equal(device.id, one.id, 'the same browser keeps its id');
  assert.equal(device.accounts.length, MAX_ACCOUNTS_PER_DEVICE);
  assert.equal(device.accounts[0], accountTag(`sub-${MAX_ACCOUNTS_PER_DEVICE + 1}`));
  assert.ok(!knowsAccount(device, 'sub-alice'), 'the oldest dropped off');
  assert.deepEqual(decodeDevice(encodeDevice(device)), device);
});

test('malformed device cookie values name no device', () => {
  const good = encodeDevice(rememberAccount(undefined, 'sub-alice'));
  for (const bad of [undefined, '', 'v2' + good.slice(2), `${good}.extra`, good.replace(/\.[^.]+$/, '.short'), `${good}~${'x'.repeat(300)}`, 'v1..']) {
    assert.equal(decodeDevice(bad), undefined, String(bad));
  }
});
