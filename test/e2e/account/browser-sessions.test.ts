import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { backends, type OpenBackend } from '../../helpers/backends.js';
import { browserSuite } from '../../helpers/browser.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';

// The page in Chromium on the embedded backend; the HTTP suites cover Postgres + Redis.
const embedded = backends()[0]!;

browserSuite('account page in Chromium: sessions', (chromium) => {
  let open: OpenBackend;
  let lk: TestLatchkey;
  before(async () => {
    open = await embedded.open();
    lk = await startLatchkey(open);
  });
  after(async () => {
    await lk?.close();
    await open?.close();
  });

  /** Opens /account in a fresh browser profile and signs in with the password (declining the passkey offer). */
  async function signedIn(user: { email: string; password: string }): Promise<Page> {
    const context = await chromium.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${lk.issuer}/account`);
    await page.fill('input[name="email"]', user.email);
    await page.fill('input[name="password"]', user.password);
    await page.click('button[type="submit"].primary');
    await page.waitForSelector('form[action$="/enrol/skip"], h1:text("Your account")');
    if (new URL(page.url()).pathname !== '/account') {
      await page.click('form[action$="/enrol/skip"] button');
      await page.waitForURL((u) => u.pathname === '/account');
    }
    return page;
  }

  test('lists the sessions of two browsers; ending the other one signs that browser out', async () => {
    const alice = await lk.createUser({ email: 'alice@example.com', name: 'Alice Example' });
    const other = await signedIn(alice);
    const mine = await signedIn(alice);

    const entries = mine.locator('#sessions + ul.items > li');
    assert.equal(await entries.count(), 2);
    assert.equal(await mine.locator('#sessions + ul.items .badge').innerText(), 'This device');
    assert.match(await entries.nth(1).innerText(), /Chrome Headless on Linux[\s\S]*IP 127\.0\.0\.1[\s\S]*strength pwd/);

    await entries.nth(1).locator('a.action').click();
    await mine.waitForSelector('h1:text("End this session")');
    await mine.click('button.danger');
    await mine.waitForSelector('.notice.success');
    assert.match(await mine.locator('.notice.success').innerText(), /The session was ended/);
    assert.equal(await entries.count(), 1);

    await other.goto(`${lk.issuer}/account`);
    await other.waitForSelector('input[name="password"]');
    assert.notEqual(new URL(other.url()).pathname, '/account', 'the other browser is back at the sign-in page');
    await other.context().close();
    await mine.context().close();
  });
});
