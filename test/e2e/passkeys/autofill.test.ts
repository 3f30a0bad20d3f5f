import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startAuthorization } from '../../helpers/rp.js';
import { passkeysSuite } from './setup.js';

passkeysSuite('passkey autofill', (s) => {
  const { person, claimsAfter, enrol } = s;

  test('passkey autofill (conditional mediation) on the email field signs in', async () => {
    const user = await s.lk.createUser();
    const { context, page } = await person({ backupEligible: true, autofill: true });
    // First visit: autofill waits with no passkey to offer, and submitting the password
    // form cancels it cleanly. Then the offer after the password sign-in adds a passkey.
    await enrol(page, user);
    await context.clearCookies();
    const started = await startAuthorization(s.rp);
    const optionsRequest = page.waitForRequest((r) => r.url().endsWith('/passkey-sign-in/options'));
    await page.goto(started.url.toString());
    // Second visit: the email field's autofill offers the passkey; the virtual
    // authenticator picks it at once, which is a user choosing it from the list.
    assert.deepEqual(JSON.parse((await optionsRequest).postData() ?? 'null'), {});
    const claims = await claimsAfter(page, started);
    assert.equal(claims.sub, user.id);
    assert.equal(claims.acr, 'phr');
    await context.close();
  });
});
