import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAuditLog } from '../../../src/audit/audit-log.js';
import { testRoot, writeFixtures } from '../../helpers/attestation-ca.js';
import { passkeysSuite } from './setup.js';

// A trust anchor the virtual authenticator cannot chain to: Chromium's attestation
// certificate is its own, so with anchors configured its passkeys still reach only phr.
const files = writeFixtures({ 'roots.pem': (await testRoot('Test Security Key Root')).pem });

passkeysSuite(
  'passkeys with attestation trust anchors configured (Chromium)',
  (s) => {
    test('registration asks for direct attestation; the virtual authenticator\'s key is not attested → phr, and phrh is unmet', async () => {
      const user = await s.lk.createUser();
      const { context, page } = await s.person({ backupEligible: false });
      // Read as it arrives: the page navigates away once the passkey is made.
      const options = page.waitForResponse((r) => r.url().endsWith('/enrol/options')).then((r) => r.json() as Promise<{ attestation: string }>);
      await s.enrol(page, user);
      assert.equal((await options).attestation, 'direct');
      const [key] = await s.passkeysOf(user.id);
      assert.equal(key?.attestationFormat, 'packed', 'Chromium sends its own packed attestation when asked');
      assert.equal(key?.attestationAnchor, null, 'no configured anchor vouches for it');
      const [added] = await createAuditLog(s.open.db).list({ accountId: user.id, type: 'passkey.added' });
      assert.equal(added?.detail?.kind, 'passkey on this device');

      await context.clearCookies();
      const started = await s.authorize(page);
      await page.click('#passkey-signin');
      const claims = await s.claimsAfter(page, started);
      assert.equal(claims.acr, 'phr');
      assert.deepEqual(claims.amr, ['swk', 'mfa']);

      await s.authorize(page, { acr_values: 'phrh' });
      await page.waitForSelector('text=hardware security key that this service can verify');
      assert.ok(await page.locator('a[href="/account"]').count(), 'the page points to where a security key can be added');
      await page.click('button[type="submit"].primary');
      assert.equal((await s.atCallback(page)).searchParams.get('error'), 'unmet_authentication_requirements');
      await context.close();
    });
  },
  { LATCHKEY_WEBAUTHN_TRUST_ROOTS: files['roots.pem']! },
);
