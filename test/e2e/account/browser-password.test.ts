import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { backends, type OpenBackend } from '../../helpers/backends.js';
import { addVirtualAuthenticator, browserSuite } from '../../helpers/browser.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { inbox, type Inbox } from '../../helpers/inbox.js';
import { startSmtp, type TestSmtp } from '../../helpers/smtp.js';

const embedded = backends()[0]!;
const NEW_PASSWORD = 'violet canyon marble tugboat';

browserSuite('account page in Chromium: password with a passkey', (chromium) => {
  let open: OpenBackend;
  let lk: TestLatchkey;
  let smtp: TestSmtp;
  let mail: Inbox;
  before(async () => {
    open = await embedded.open();
    // A first passkey needs the code mailed to the account: a real SMTP server receives it.
    smtp = await startSmtp();
    mail = inbox(smtp);
    lk = await startLatchkey(open, { LATCHKEY_SMTP_URL: smtp.url, LATCHKEY_MAIL_FROM: 'no-reply@example.com', LATCHKEY_MAIL_POLL_SECONDS: '1' });
  });
  after(async () => {
    await lk?.close();
    await smtp?.close();
    await open?.close();
  });

  /** Password sign-in on /account, then the first passkey added from the account page (after the mailed code). */
  async function withPasskey(user: { email: string; password: string }): Promise<Page> {
    const context = await chromium.browser.newContext();
    const page = await context.newPage();
    await addVirtualAuthenticator(page, { defaultBackupEligibility: true, defaultBackupState: true, isUserVerified: true });
    await page.goto(`${lk.issuer}/account`);
    await page.fill('input[name="email"]', user.email);
    await page.fill('input[name="password"]', user.password);
    await page.click('button[type="submit"].primary');
    await page.waitForSelector('form[action$="/enrol/skip"], h1:text("Your account")');
    if (new URL(page.url()).pathname !== '/account') {
      await page.click('form[action$="/enrol/skip"] button');
      await page.waitForURL((u) => u.pathname === '/account');
    }
    await page.click('#passkey-send-code');
    await page.fill('input[autocomplete="one-time-code"]', await mail.passkeyCode(user.email));
    await page.click('button:has-text("Confirm code")');
    await page.click('#passkey-add');
    // The create form's own name field says "My passkey" too: wait for the stored passkey's notice.
    await page.waitForURL((u) => u.searchParams.get('notice') === 'passkey-added');
    return page;
  }

  async function stepUp(page: Page): Promise<void> {
    await page.click('a[href="/account/sign-in?reauth=passkey"]');
    await page.click('#passkey-step-up');
    await page.waitForURL((u) => u.pathname === '/account');
  }

  test('changing the password of an account with a passkey needs a fresh passkey, then the current password', async () => {
    const alice = await lk.createUser({ email: 'alice@example.com', name: 'Alice Example' });
    const page = await withPasskey(alice);
    await page.goto(`${lk.issuer}/account/password`);
    assert.equal(await page.locator('input[name="current"]').count(), 0, 'no form before the passkey step-up');
    await stepUp(page);

    await page.goto(`${lk.issuer}/account/password`);
    await page.fill('#current', alice.password);
    await page.fill('#password', NEW_PASSWORD);
    await page.click('button.primary');
    await page.waitForSelector('.notice.success');
    assert.match(await page.locator('.notice.success').innerText(), /Your password was changed/);
    await page.context().close();
  });

  test('a passkey-only account sets a password with a fresh passkey', async () => {
    const bob = await lk.createUser({ email: 'bob@example.com', name: 'Bob Example' });
    const page = await withPasskey(bob);
    await open.db.query('UPDATE accounts SET password_hash = NULL WHERE id = $1', [bob.id]);
    await page.goto(`${lk.issuer}/account`);
    assert.match(await page.locator('#password + p').innerText(), /Your account has no password/);
    await stepUp(page);

    await page.goto(`${lk.issuer}/account/password`);
    await page.waitForSelector('h1:text("Set a password")');
    assert.equal(await page.locator('input[name="current"]').count(), 0, 'there is no current password to give');
    await page.fill('#password', NEW_PASSWORD);
    await page.click('button.primary');
    await page.waitForSelector('.notice.success');
    assert.match(await page.locator('.notice.success').innerText(), /Your password was set/);
    const { rows } = await open.db.query<{ password_hash: string | null }>('SELECT password_hash FROM accounts WHERE id = $1', [bob.id]);
    assert.ok(rows[0]!.password_hash);
    await page.context().close();
  });
});
