import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passkeysSuite } from './setup.js';

passkeysSuite('passkey sign-in', (s) => {
  const { person, authorize, claimsAfter, enrol } = s;

  // The virtual authenticator's attestation chains to no configured anchor, so even its
  // device-bound credentials are phr: BE=0 is only its own word (DESIGN.md "Hardware").
  test('sign in with a passkey (button): synced passkey → phr, device-bound but unattested → phr too', async () => {
    for (const [backupEligible, acr, amr] of [
      [true, 'phr', ['swk', 'mfa']],
      [false, 'phr', ['swk', 'mfa']],
    ] as const) {
      const user = await s.lk.createUser();
      const { context, page } = await person({ backupEligible });
      await enrol(page, user);
      await context.clearCookies();
      const started = await authorize(page);
      await page.click('#passkey-signin');
      const claims = await claimsAfter(page, started);
      assert.equal(claims.sub, user.id);
      assert.equal(claims.acr, acr);
      assert.deepEqual(claims.amr, amr);
      await context.close();
    }
  });

  test('user verification off → refused', async () => {
    const user = await s.lk.createUser();
    const { context, page, authenticator } = await person({ backupEligible: true });
    await enrol(page, user);
    await authenticator.cdp.send('WebAuthn.setUserVerified', { authenticatorId: authenticator.authenticatorId, isUserVerified: false });
    await context.clearCookies();
    await authorize(page);
    await page.click('#passkey-signin');
    await page.waitForSelector('#passkey-status:not([hidden])');
    assert.notEqual(new URL(page.url()).port, String(s.callback.port));
    await context.close();
  });

  test('a replayed assertion is refused', async () => {
    const user = await s.lk.createUser();
    const { context, page } = await person({ backupEligible: true });
    await enrol(page, user);
    await context.clearCookies();
    const started = await authorize(page);
    const verify = page.waitForRequest((r) => r.url().endsWith('/passkey-sign-in/verify'));
    await page.click('#passkey-signin');
    const request = await verify;
    await claimsAfter(page, started);
    const replay = await page.request.post(request.url(), { headers: await request.allHeaders(), data: request.postData() ?? '' });
    assert.ok(replay.status() >= 400);
    await context.close();
  });
});
