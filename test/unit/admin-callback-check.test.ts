import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCallback, type Expected } from '../../src/admin/console/callback-check.js';
import { sha256 } from '../../src/common/hash.js';
import type { RedeemedCode } from '../../src/provider/oidc-internals.js';

// The admin console's checks on a redeemed code: what a relying party checks of its ID token (OIDC Core §3.1.3.7).
const now = 1_800_000_000;
const expected: Expected = { clientId: 'latchkey-admin', redirectUri: 'https://id.example.com/admin/callback', verifier: 'v'.repeat(43), nonce: 'n-1', acr: 'phr', maxAgeSeconds: 300, now };
const code: RedeemedCode = {
  clientId: 'latchkey-admin',
  accountId: 'acc-1',
  redirectUri: 'https://id.example.com/admin/callback',
  codeChallenge: sha256('v'.repeat(43)),
  codeChallengeMethod: 'S256',
  nonce: 'n-1',
  acr: 'phr',
  amr: ['swk', 'mfa'],
  authTime: now - 10,
  sessionUid: 'sess-1',
};

test('a code issued to the console for this sign-in, at phr, just now, passes', () => {
  assert.deepEqual(checkCallback(code, expected), { ok: true, accountId: 'acc-1', acr: 'phr', amr: ['swk', 'mfa'], authTime: now - 10, sessionUid: 'sess-1' });
  assert.equal(checkCallback({ ...code, acr: 'phrh' }, expected).ok, true, 'a stronger level passes too');
});

test('another client, redirect URI, verifier, challenge method or nonce is refused as invalid', () => {
  for (const changed of [
    { clientId: 'latchkey-account' },
    { redirectUri: 'https://id.example.com/account/callback' },
    { codeChallenge: sha256('w'.repeat(43)) },
    { codeChallengeMethod: 'plain' },
    { nonce: 'n-2' },
    { nonce: undefined },
    { sessionUid: undefined },
  ] as Array<Partial<RedeemedCode>>) {
    assert.deepEqual(checkCallback({ ...code, ...changed }, expected), { ok: false, why: 'invalid' }, JSON.stringify(changed));
  }
});

test('a password-only sign-in is too weak for phr; pwd passes where the operator set LATCHKEY_ADMIN_ACR=pwd', () => {
  assert.deepEqual(checkCallback({ ...code, acr: 'pwd', amr: ['pwd'] }, expected), { ok: false, why: 'too_weak' });
  assert.deepEqual(checkCallback({ ...code, acr: undefined }, expected), { ok: false, why: 'too_weak' });
  assert.equal(checkCallback({ ...code, acr: 'pwd' }, { ...expected, acr: 'pwd' }).ok, true);
  assert.deepEqual(checkCallback({ ...code, acr: 'phr' }, { ...expected, acr: 'phrh' }), { ok: false, why: 'too_weak' });
});

test('a sign-in older than max_age (with a minute of slack), or without auth_time, is too old', () => {
  assert.equal(checkCallback({ ...code, authTime: now - 359 }, expected).ok, true);
  assert.deepEqual(checkCallback({ ...code, authTime: now - 361 }, expected), { ok: false, why: 'too_old' });
  assert.deepEqual(checkCallback({ ...code, authTime: undefined }, expected), { ok: false, why: 'too_old' });
});
