import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isIdle, metaAtSignIn, metaOfSession, needsTouch, TOUCH_SECONDS } from '../../src/provider/session-meta.js';

test('a sign-in on a session keeps its creation time and refreshes the rest', () => {
  const first = metaAtSignIn(undefined, { userAgent: 'A'.repeat(2000), ip: '192.0.2.1' }, 1000);
  assert.deepEqual({ ...first, userAgent: first.userAgent.length }, { createdAt: 1000, lastSeenAt: 1000, userAgent: 512, ip: '192.0.2.1' });
  const stepUp = metaAtSignIn(first, { userAgent: 'B', ip: '192.0.2.2' }, 1500);
  assert.deepEqual(stepUp, { createdAt: 1000, lastSeenAt: 1500, userAgent: 'B', ip: '192.0.2.2' });
});

test('a damaged or missing meta reads as none', () => {
  assert.equal(metaOfSession(undefined), undefined);
  assert.equal(metaOfSession({ createdAt: 'yesterday' }), undefined);
});

test('idle: judged by the last use, else the login time; no idle lifetime means never idle', () => {
  const meta = { createdAt: 0, lastSeenAt: 1000, userAgent: '', ip: '' };
  assert.equal(isIdle(meta, undefined, 600, 1600), false);
  assert.equal(isIdle(meta, undefined, 600, 1601), true);
  assert.equal(isIdle(undefined, 1000, 600, 1601), true, 'a session from before meta was kept cannot escape the rule');
  assert.equal(isIdle(undefined, undefined, 600, 0), true);
  assert.equal(isIdle(meta, undefined, undefined, 10 ** 9), false);
});

test('the last-seen time is written at most once a minute', () => {
  const meta = { createdAt: 0, lastSeenAt: 1000, userAgent: '', ip: '' };
  assert.equal(needsTouch(meta, 1000 + TOUCH_SECONDS - 1), false);
  assert.equal(needsTouch(meta, 1000 + TOUCH_SECONDS), true);
  assert.equal(needsTouch(undefined, 10 ** 9), false);
});
