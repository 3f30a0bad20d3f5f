import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyPlan, type KeyRow } from '../../src/provider/keys.js';
import { parseConfig } from '../../src/config/config.js';
import { automaticActivateAfterSeconds, DEFAULT_ACTIVATE_AFTER_SECONDS, minimumActivateAfterSeconds } from '../../src/provider/key-rotation.js';

const T = Date.parse('2026-06-01T00:00:00Z');
const at = (h: number) => new Date(T + h * 3600_000);
const row = (kid: string, use: 'sig' | 'cookie', alg: string | null, created: number, activates?: number, retired?: number): KeyRow => ({
  kid,
  use,
  alg,
  private_enc: '',
  created_at: at(created),
  activates_at: activates === undefined ? null : at(activates),
  retired_at: retired === undefined ? null : at(retired),
});

const rows = [
  row('es-old', 'sig', 'ES256', 0, undefined, 3),
  row('rs-old', 'sig', 'RS256', 0, undefined, 3),
  row('es-new', 'sig', 'ES256', 0.5, 1),
  row('rs-new', 'sig', 'RS256', 0.5, 1),
  row('c-old', 'cookie', null, 0, undefined, 400),
  row('c-new', 'cookie', null, 0.5, 1),
];
const kids = (plan: ReturnType<typeof keyPlan>) => ({ sig: plan.sig.map((r) => r.kid), cookie: plan.cookie.map((r) => r.kid) });

test('before activation the old keys sign and the new ones are published after them', () => {
  assert.deepEqual(kids(keyPlan(rows, at(0.75))), { sig: ['es-old', 'rs-old', 'es-new', 'rs-new'], cookie: ['c-old', 'c-new'] });
});

test('after activation the new keys come first; the old ones still verify', () => {
  assert.deepEqual(kids(keyPlan(rows, at(1))), { sig: ['es-new', 'rs-new', 'es-old', 'rs-old'], cookie: ['c-new', 'c-old'] });
});

test('after retirement the old keys are gone', () => {
  assert.deepEqual(kids(keyPlan(rows, at(3))), { sig: ['es-new', 'rs-new'], cookie: ['c-new', 'c-old'] });
  assert.deepEqual(kids(keyPlan(rows, at(400))).cookie, ['c-new']);
});

test('automatic rotation waits at least a JWKS cache lifetime plus a reload interval, as `keys rotate` does', () => {
  const usual = parseConfig({});
  assert.equal(automaticActivateAfterSeconds(usual), DEFAULT_ACTIVATE_AFTER_SECONDS);
  // Processes that read the keys table only every two hours must all have published a key before it signs.
  const slow = parseConfig({ LATCHKEY_KEY_RELOAD_SECONDS: '7200' });
  assert.equal(automaticActivateAfterSeconds(slow), minimumActivateAfterSeconds(slow));
  assert.ok(minimumActivateAfterSeconds(slow) > 7200);
});
