import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAuditLog } from '../../../src/audit/audit-log.js';
import { oidc, redeem } from '../../helpers/rp.js';
import { passkeysSuite } from './setup.js';

passkeysSuite('step-up to a passkey', (s) => {
  const { person, authorize, atCallback, claimsAfter, passwordSignIn, enrol, passkeysOf } = s;

  test('password session + acr_values=phr → step-up page without a password field → phr, same sub', async () => {
    const user = await s.lk.createUser();
    const { context, page } = await person({ backupEligible: true });
    const first = await enrol(page, user);
    const started = await authorize(page, { acr_values: 'phr' });
    await page.waitForSelector('#passkey-step-up');
    assert.equal(await page.locator('input[name="password"]').count(), 0, 'no password form on the step-up page');
    await page.click('#passkey-step-up');
    const claims = await claimsAfter(page, started);
    assert.equal(claims.sub, first.sub);
    assert.equal(claims.acr, 'phr');
    assert.deepEqual(claims.amr, ['pwd', 'swk', 'mfa']);
    assert.ok((claims.auth_time as number) >= (first.auth_time as number));
    // Audit: the password sign-in, then the step-up with its method and resulting acr, and the browser.
    const events = (await createAuditLog(s.open.db).list({ accountId: user.id })).filter((e) => e.type.startsWith('login.'));
    assert.deepEqual(
      events.map((e) => [e.type, e.detail?.method, e.detail?.acr]),
      [
        ['login.succeeded', 'password', 'pwd'],
        ['login.step_up', 'password and passkey', 'phr'],
      ],
    );
    assert.match(events[1]!.userAgent ?? '', /Chrome/);
    assert.equal(events[1]!.detail?.newDevice, false, 'the browser signed in to this account before');
    await context.close();
  });

  test('an essential acr claim asks for the passkey too, and the ID token carries the value it named (OIDC Core §5.5.1.1)', async () => {
    const user = await s.lk.createUser();
    const { context, page } = await person({ backupEligible: false });
    await enrol(page, user);
    const started = await authorize(page, { claims: JSON.stringify({ id_token: { acr: { essential: true, value: 'phr' } } }) });
    await page.click('#passkey-step-up');
    const claims = await claimsAfter(page, started);
    assert.equal(claims.acr, 'phr');
    assert.deepEqual(claims.amr, ['pwd', 'swk', 'mfa'], 'amr tells what was used: an unattested key is not hardware');
    await context.close();
  });

  test('acr_values names the most preferred level reached, the same acr in access token, introspection and userinfo', async () => {
    const user = await s.lk.createUser();
    const { context, page } = await person({ backupEligible: false });
    await enrol(page, user);
    const started = await authorize(page, { acr_values: 'phr' });
    await page.click('#passkey-step-up');
    const tokens = await redeem(s.rp, await atCallback(page), started);
    assert.equal(tokens.claims()!.acr, 'phr', 'exact-match relying parties accept it');
    const introspected = await oidc.tokenIntrospection(s.rp.config, tokens.access_token);
    assert.equal(introspected.acr, 'phr');
    const info = await oidc.fetchUserInfo(s.rp.config, tokens.access_token, tokens.claims()!.sub);
    assert.equal(info.acr, 'phr');
    // The session still holds what was reached: a later request naming phrh first gets phr without a new step.
    const strongest = await authorize(page, { acr_values: 'phrh phr' });
    assert.equal((await claimsAfter(page, strongest)).acr, 'phr', 'the first preference that the sign-in meets');
    await context.close();
  });

  test('phrh with only unattested passkeys (synced, or device-bound without anchors) → unmet_authentication_requirements', async () => {
    for (const backupEligible of [true, false]) {
      const user = await s.lk.createUser();
      const { context, page } = await person({ backupEligible });
      await enrol(page, user);
      await authorize(page, { acr_values: 'phrh' });
      await page.waitForSelector('text=not set up to verify any');
      await page.click('button[type="submit"].primary');
      const cb = await atCallback(page);
      assert.equal(cb.searchParams.get('error'), 'unmet_authentication_requirements');
      await context.close();
    }
  });

  test('no passkey at all + acr_values=phr → the page explains, the client gets unmet_authentication_requirements', async () => {
    const user = await s.lk.createUser();
    const { context, page } = await person({ backupEligible: true });
    await authorize(page, { acr_values: 'phr' });
    await passwordSignIn(page, user);
    await page.waitForSelector('text=has no passkey yet');
    assert.ok(await page.locator('a[href="/account"]').count());
    await page.click('button[type="submit"].primary');
    assert.equal((await atCallback(page)).searchParams.get('error'), 'unmet_authentication_requirements');
    await context.close();
  });

  test('prompt=none with too weak a session → interaction_required, never a weaker token', async () => {
    const user = await s.lk.createUser();
    const { context, page } = await person({ backupEligible: true });
    await enrol(page, user);
    await authorize(page, { acr_values: 'phr', prompt: 'none' });
    const cb = await atCallback(page);
    assert.equal(cb.searchParams.get('error'), 'interaction_required');
    assert.equal(cb.searchParams.get('code'), null);
    await context.close();
  });

  test('max_age older than the session → passkey step-up on the same account', async () => {
    const user = await s.lk.createUser();
    const { context, page } = await person({ backupEligible: true });
    const first = await enrol(page, user);
    await new Promise((r) => setTimeout(r, 2100));
    const started = await authorize(page, { max_age: '1' });
    await page.waitForSelector('#passkey-step-up');
    await page.click('#passkey-step-up');
    const claims = await claimsAfter(page, started);
    assert.equal(claims.sub, first.sub);
    assert.ok((claims.auth_time as number) > (first.auth_time as number));
    assert.ok(!(claims.amr as string[]).includes('pwd'), `the password of the old sign-in is not in this one: ${JSON.stringify(claims.amr)}`);
    await context.close();
  });

  test('another account\'s passkey during a step-up → refused', async () => {
    const alice = await s.lk.createUser();
    const mallory = await s.lk.createUser();
    const { context, page, authenticator } = await person({ backupEligible: true });
    await enrol(page, alice);
    // Mallory's passkey on the same authenticator, then alice's removed from it.
    await context.clearCookies();
    await enrol(page, mallory);
    const aliceKey = (await passkeysOf(alice.id))[0]!;
    await authenticator.cdp.send('WebAuthn.removeCredential', {
      authenticatorId: authenticator.authenticatorId,
      credentialId: Buffer.from(aliceKey.id, 'base64url').toString('base64'),
    });
    await context.clearCookies();
    await authorize(page);
    await passwordSignIn(page, alice);
    await atCallback(page);
    await authorize(page, { acr_values: 'phr' });
    // The browser would only offer alice's passkeys; present the server with mallory's.
    await page.route('**/step-up/options', async (route) => {
      const res = await route.fetch();
      const options = await res.json();
      await route.fulfill({ response: res, json: { ...options, allowCredentials: [] } });
    });
    await page.click('#passkey-step-up');
    await page.waitForSelector('text=belongs to another account');
    const events = await createAuditLog(s.open.db).list({ accountId: alice.id, type: 'passkey.wrong_account' });
    assert.equal(events.length, 1);
    await context.close();
  });
});
