import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { createAccountsRepo } from '../../../src/accounts/accounts-repo.js';
import { createAuditLog } from '../../../src/audit/audit-log.js';
import { basicAuth } from '../../helpers/client-auth.js';
import { oidc, redeem, signIn, userAgentFor } from '../../helpers/rp.js';
import { passkeysSuite } from '../passkeys/setup.js';

/**
 * The admin console's main tasks in Chromium, as an admin does them: sign in with a
 * passkey step-up (the passkey enrolled the real way, with the mailed code), register an
 * API and a machine client and use the client at the token endpoint, disable a user and
 * see that user's refresh token fail.
 */
passkeysSuite('admin console in Chromium', (s) => {
  let page: Page;
  let adminId: string;

  /** Opens a console page, signing in (password, then the passkey step-up) if asked. */
  async function consolePage(path: string, admin: { email: string; password: string }) {
    await page.goto(`${s.lk.issuer}${path}`);
    if (await page.locator('input[name="password"]').count()) {
      await s.passwordSignIn(page, admin);
      await page.waitForSelector('#passkey-step-up');
      await page.click('#passkey-step-up');
    }
    await page.waitForURL((u) => u.pathname === path, { timeout: 15_000 });
  }

  test('an admin signs in to the console with a password and a passkey step-up', async () => {
    const admin = await s.lk.createUser({ name: 'Ada Admin' });
    adminId = admin.id;
    await createAccountsRepo(s.open.db).setAdmin(admin.id, true);
    const person = await s.person({ backupEligible: true });
    page = person.page;
    await s.enrol(page, admin);
    assert.equal((await s.passkeysOf(admin.id)).length, 1);
    // A new sign-in from scratch: the console's request for phr turns the password into a step-up.
    await person.context.clearCookies();
    await page.goto(`${s.lk.issuer}/admin/users`);
    await s.passwordSignIn(page, admin);
    await page.waitForSelector('#passkey-step-up');
    await page.click('#passkey-step-up');
    await page.waitForURL((u) => u.pathname === '/admin/users', { timeout: 15_000 });
    assert.equal(await page.locator('nav[aria-label="Admin sections"] a[aria-current="page"]').textContent(), 'Users');
    const [event] = await createAuditLog(s.open.db).list({ accountId: admin.id, type: 'admin.signed_in' });
    assert.equal((event!.detail as { acr: string }).acr, 'phr');
    // Keyboard: the first Tab reaches the skip link, which moves to the content.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
  });

  test('the admin registers an API and a machine client, and the client gets a token with its secret', async () => {
    assert.ok(page, 'signed in by the test before');
    await page.goto(`${s.lk.issuer}/admin/resources/new`);
    await page.fill('#indicator', 'https://api.example.com/notes');
    await page.fill('#name', 'Notes API');
    await page.fill('#scopes', 'notes:read Read your notes\nnotes:write Change your notes');
    await page.click('button:has-text("Register the API")');
    await page.waitForSelector('p[role="status"]:has-text("The API was registered")');

    await page.goto(`${s.lk.issuer}/admin/clients`);
    await page.click('a:has-text("Add a machine client")');
    await page.fill('#name', 'Nightly export');
    await page.check('input[name="grant"][value="https://api.example.com/notes notes:read"]');
    await page.click('button:has-text("Add the client")');
    await page.waitForSelector('#client-secret');
    const secret = (await page.locator('#client-secret').textContent())!.trim();
    const clientId = (await page.locator('dl.facts dd code').first().textContent())!.trim();

    const token = await fetch(`${s.lk.issuer}/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: 'https://api.example.com/notes', scope: 'notes:read' }),
    });
    assert.equal(token.status, 200, await token.clone().text());
    const body = (await token.json()) as { access_token: string; scope: string };
    assert.equal(body.scope, 'notes:read');
    const created = (await createAuditLog(s.open.db).list({ type: 'client.created' })).find((e) => e.clientId === clientId);
    assert.equal((created!.detail as { actor?: string }).actor, adminId, 'the audit event names the admin');
  });

  test('the admin disables a user, after a confirmation, and that user\'s refresh token stops working', async () => {
    assert.ok(page, 'signed in by the test before');
    const bob = await s.lk.createUser({ email: 'bob@example.com', name: 'Bob' });
    const ua = userAgentFor(s.rp);
    const { callback, started } = await signIn(ua, s.rp, bob, { scope: 'openid offline_access', prompt: 'consent' });
    const tokens = await redeem(s.rp, callback, started);
    assert.ok(tokens.refresh_token);

    await page.goto(`${s.lk.issuer}/admin/users`);
    await page.fill('#q', 'bob@');
    await page.click('button:has-text("Search")');
    await page.click('a:has-text("bob@example.com")');
    await page.click('a:has-text("Disable the user")');
    await page.waitForSelector('h1:has-text("Disable this user?")');
    await page.click('button:has-text("Disable the user")');
    await page.waitForSelector('p[role="status"]:has-text("The user was disabled")');
    assert.equal(await page.locator('.page-head .badge.warn').first().textContent(), 'Disabled');

    await assert.rejects(oidc.refreshTokenGrant(s.rp.config, tokens.refresh_token!), (err: { error?: string }) => err.error === 'invalid_grant');
  });
});
