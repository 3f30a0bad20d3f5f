import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accountTag, decodeDevice, encodeDevice, knewAccount, knowsAccount, MAX_ACCOUNTS_PER_DEVICE, rememberAccount } from '../../src/accounts/device-token.js';

test('a device cookie names a random device and hashed accounts, newest first, a few at most', () => {
  const one = rememberAccount(undefined, { id: 'sub-alice' });
  assert.match(one.id, /^[A-Za-z0-9_-]{22}$/);
  assert.ok(!encodeDevice(one).includes('sub-alice'), 'the account id itself is not in the cookie');
  assert.ok(knowsAccount(one, { id: 'sub-alice' }));
  assert.ok(!knowsAccount(one, { id: 'sub-bob' }));
  let device = one;
  for (let i = 0; i < MAX_ACCOUNTS_PER_DEVICE + 2; i += 1) device = rememberAccount(device, { id: `sub-${i}` });
  assert.equal(device.id, one.id, 'the same browser keeps its id');
  assert.equal(device.accounts.length, MAX_ACCOUNTS_PER_DEVICE);
  assert.equal(device.accounts[0], accountTag({ id: `sub-${MAX_ACCOUNTS_PER_DEVICE + 1}` }));
  assert.ok(!knowsAccount(device, { id: 'sub-alice' }), 'the oldest dropped off');
  assert.deepEqual(decodeDevice(encodeDevice(device)), device);
});

test('malformed device cookie values name no device', () => {
  const good = encodeDevice(rememberAccount(undefined, { id: 'sub-alice' }));
  for (const bad of [undefined, '', 'v2' + good.slice(2), `${good}.extra`, good.replace(/\.[^.]+$/, '.short'), `${good}~${'x'.repeat(300)}`, 'v1..']) {
    assert.equal(decodeDevice(bad), undefined, String(bad));
  }
});

test('a device knows an account by its current password: a change or a reset makes it a stranger, that once knew it', () => {
  const before = { id: 'sub-alice', passwordChangedAt: null };
  const device = rememberAccount(undefined, before);
  assert.ok(knowsAccount(device, before));
  const changed = { id: 'sub-alice', passwordChangedAt: new Date('2026-12-02T10:00:00Z') };
  assert.ok(!knowsAccount(device, changed), 'the browser that knew the old password is a stranger to the new one');
  assert.ok(knewAccount(device, changed), 'but still one that signed in to the account (its own failure budget)');
  assert.ok(!knewAccount(device, { id: 'sub-bob' }), 'not to another account');
  const again = rememberAccount(rememberAccount(device, { id: 'sub-bob' }), changed);
  assert.ok(knowsAccount(again, changed), 'signed in with the new one, it is known again');
  assert.equal(again.accounts.length, 2, "the account's older tag gave way to the new one");
  const next = { ...changed, passwordChangedAt: new Date('2026-12-02T10:00:01Z') };
  assert.ok(!knowsAccount(again, next) && knewAccount(again, next), 'a stranger after the next change, that once knew it');
  assert.equal(rememberAccount(again, next).accounts.length, 2);
  assert.ok(!knewAccount(again, { id: 'sub-carol', passwordChangedAt: changed.passwordChangedAt }));
  // Cookies set before tags were bound to the password still name an account that never changed it.
  assert.equal(accountTag({ id: 'sub-alice' }), accountTag(before));
});
