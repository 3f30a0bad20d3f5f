import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { backends, type OpenBackend } from '../../helpers/backends.js';
import { basicAuth } from '../../helpers/client-auth.js';
import { browserSuite } from '../../helpers/browser.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { createResourcesRepo } from '../../../src/clients/resources-repo.js';

// The page in Chromium on the embedded backend; api-keys.test.ts covers the rules on both backends.
const embedded = backends()[0]!;
const REPORTS = 'https://api.example.com/reports';

browserSuite('account page in Chromium: API keys', (chromium) => {
  let open: OpenBackend;
  let lk: TestLatchkey;
  before(async () => {
    open = await embedded.open();
    lk = await startLatchkey(open);
    await createResourcesRepo(open.db).create({
      indicator: REPORTS,
      name: 'Reports API',
      scopes: ['reports:read', 'reports:write'],
      scopeDescriptions: { 'reports:read': 'Read your reports' },
      userDelegableScopes: ['reports:read'],
    });
  });
  after(async () => {
    await lk?.close();
    await open?.close();
  });

  test('creates a key (an error first, with the focus on the field), uses its secret, and revokes it after a confirmation', async () => {
    const alice = await lk.createUser({ email: 'alice@example.com', name: 'Alice Example' });
    const context = await chromium.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${lk.issuer}/account`);
    await page.fill('input[name="email"]', alice.email);
    await page.fill('input[name="password"]', alice.password);
    await page.click('button[type="submit"].primary');
    await page.waitForSelector('form[action$="/enrol/skip"], h1:text("Your account")');
    if (new URL(page.url()).pathname !== '/account') {
      await page.click('form[action$="/enrol/skip"] button');
      await page.waitForURL((u) => u.pathname === '/account');
    }
    assert.match(await page.locator('#api-keys + p + p').innerText(), /You have no API keys/);

    await page.click('a[href="/account/api-keys/new"]');
    await page.waitForSelector('h1:text("Create an API key")');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'key-name', 'the name field has the focus');
    await page.fill('#key-name', 'Nightly backup');
    await page.click('button.primary');
    // No permission ticked: the page comes back with the checkbox marked and focused.
    await page.waitForSelector('#scopes-error');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-invalid')), 'true');
    assert.equal(await page.inputValue('#key-name'), 'Nightly backup', 'what was typed stays');
    await page.check('label:has-text("Read your reports")');
    await page.click('button.primary');

    await page.waitForSelector('h1:text("Your new API key")');
    assert.match(await page.locator('.notice.success').innerText(), /Copy the secret now: it is shown only once/);
    const clientId = await page.inputValue('#client-id');
    const clientSecret = await page.inputValue('#client-secret');
    assert.match(await page.inputValue('#curl-0'), new RegExp(`^curl -s -u '${clientId}:${clientSecret}'`));
    const token = await fetch(`${lk.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(clientId, clientSecret) },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: REPORTS, scope: 'reports:read' }),
    });
    assert.equal(token.status, 200);

    await page.click('a:text("Done: back to your account")');
    await page.waitForURL((u) => u.pathname === '/account');
    assert.match(await page.locator('#api-keys ~ ul.items').innerText(), /Nightly backup[\s\S]*Reports API: reports:read/);
    await page.click('a[aria-label="Revoke Nightly backup"]');
    await page.waitForSelector('h1:text("Revoke the API key Nightly backup")');
    await page.click('button.danger');
    await page.waitForSelector('.notice.success');
    assert.match(await page.locator('.notice.success').innerText(), /The API key was revoked/);
    assert.equal(await page.locator('a[aria-label="Revoke Nightly backup"]').count(), 0);
    const refused = await fetch(`${lk.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(clientId, clientSecret) },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: REPORTS, scope: 'reports:read' }),
    });
    assert.equal(refused.status, 401);
    await context.close();
  });
});
