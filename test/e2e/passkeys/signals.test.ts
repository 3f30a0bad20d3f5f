import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { createAccountsRepo } from '../../../src/accounts/accounts-repo.js';
import { createPasskeysRepo } from '../../../src/passkeys/passkeys-repo.js';
import { passkeysSuite } from './setup.js';

// A page-level hook: the WebAuthn L3 signal methods replaced by recorders, so a test sees
// exactly which calls the page made and with what (a string: tsx would add helpers the page lacks).
const RECORD_SIGNALS = `
  window.__signals = [];
  for (const method of ['signalUnknownCredential', 'signalAllAcceptedCredentials', 'signalCurrentUserDetails']) {
    Object.defineProperty(PublicKeyCredential, method, {
      configurable: true,
      value: async (options) => {
        window.__signals.push({ method, options: JSON.parse(JSON.stringify(options)) });
        window.dispatchEvent(new Event('__signal'));
      },
    });
  }
`;
// A browser without the API (older ones): the methods are simply absent.
const NO_SIGNALS = `
  for (const method of ['signalUnknownCredential', 'signalAllAcceptedCredentials', 'signalCurrentUserDetails']) delete PublicKeyCredential[method];
`;

interface Signal {
  method: string;
  options: Record<string, unknown>;
}

passkeysSuite('WebAuthn signals', (s) => {
  const rpId = () => new URL(s.lk.issuer).hostname;
  const userIdOf = (accountId: string) => Buffer.from(accountId, 'utf8').toString('base64url');
  // CDP gives credential ids in base64; WebAuthn's JSON (and Latchkey) in base64url.
  const idOf = (credential: { credentialId: string } | undefined) => Buffer.from(credential!.credentialId, 'base64').toString('base64url');

  async function recording(context: BrowserContext, script = RECORD_SIGNALS) {
    await context.addInitScript({ content: script });
  }
  const signals = (page: Page) => page.evaluate('window.__signals') as Promise<Signal[]>;
  /**
   * Waits until the page has made a call of `method` (the recorder is synchronous; the page's
   * call is not), on the recorder's event: waitForFunction would poll with eval, which the
   * page's CSP refuses whenever the call has not been made by the first check.
   */
  async function nextSignal(page: Page, method: string, count = 1): Promise<Signal> {
    await page.evaluate(`new Promise((resolve) => {
      const made = () => window.__signals.filter((c) => c.method === ${JSON.stringify(method)}).length >= ${count};
      if (made()) return resolve();
      window.addEventListener('__signal', () => made() && resolve());
    })`);
    return (await signals(page)).filter((c) => c.method === method)[count - 1]!;
  }

  test('a sign-in with a credential no account holds signals it unknown; a known one signals nothing', async () => {
    const user = await s.lk.createUser();
    const { context, page, authenticator } = await s.person({ backupEligible: true });
    await recording(context);
    await s.enrol(page, user);
    const [credential] = await authenticator.getCredentials();

    // Known: a normal sign-in, no unknown-credential signal.
    await context.clearCookies();
    let started = await s.authorize(page);
    await page.click('#passkey-signin');
    await s.claimsAfter(page, started);
    assert.deepEqual((await signals(page)).filter((c) => c.method === 'signalUnknownCredential'), []);

    // Gone from Latchkey (removed elsewhere) but still on the device: the page tells the browser.
    await createPasskeysRepo(s.open.db).remove(user.id, idOf(credential));
    await context.clearCookies();
    started = await s.authorize(page);
    await page.click('#passkey-signin');
    const call = await nextSignal(page, 'signalUnknownCredential');
    assert.deepEqual(call.options, { rpId: rpId(), credentialId: idOf(credential) });
    await page.waitForSelector('#passkey-status:not([hidden])');
    await context.close();
  });

  test('the passkey of a disabled account is refused without the unknown-credential signal', async () => {
    const user = await s.lk.createUser();
    const { context, page } = await s.person({ backupEligible: true });
    await recording(context);
    await s.enrol(page, user);
    await createAccountsRepo(s.open.db).setDisabled(user.id, new Date());
    await context.clearCookies();
    await s.authorize(page);
    const verify = page.waitForResponse((r) => r.url().endsWith('/passkey-sign-in/verify'));
    await page.click('#passkey-signin');
    assert.equal((await verify).status(), 400);
    await page.waitForSelector('#passkey-status:not([hidden])');
    assert.deepEqual((await signals(page)).filter((c) => c.method === 'signalUnknownCredential'), []);
    await context.close();
  });

  test('the account page signals the accepted passkeys and the user\'s details; again after a rename and a removal', async () => {
    const user = await s.lk.createUser({ name: 'Alice Example' });
    const { context, page, authenticator } = await s.person({ backupEligible: true });
    await recording(context);
    await s.enrol(page, user);
    const [credential] = await authenticator.getCredentials();

    await page.goto(`${s.lk.issuer}/account`);
    const accepted = await nextSignal(page, 'signalAllAcceptedCredentials');
    assert.deepEqual(accepted.options, { rpId: rpId(), userId: userIdOf(user.id), allAcceptedCredentialIds: [idOf(credential)] });
    const details = await nextSignal(page, 'signalCurrentUserDetails');
    assert.deepEqual(details.options, { rpId: rpId(), userId: userIdOf(user.id), name: user.email, displayName: 'Alice Example' });

    // The name changes: the password manager hears the new one.
    await page.click('a[href="/account/profile"]');
    await page.fill('#name', 'Alice Liddell');
    await page.click('button:has-text("Save")');
    await page.waitForSelector('text=Your name was saved.');
    const renamed = await nextSignal(page, 'signalCurrentUserDetails');
    assert.equal(renamed.options.displayName, 'Alice Liddell');
    assert.equal(renamed.options.userId, userIdOf(user.id));

    // Removed (after the passkey step-up removal needs): the accepted list no longer has it.
    await page.click('a[href="/account/sign-in?reauth=passkey"]');
    await page.click('#passkey-step-up');
    await page.waitForURL((u) => u.pathname === '/account');
    await page.locator('table.passkeys button:has-text("Remove")').click();
    await page.waitForSelector('text=Passkey removed');
    const after = await nextSignal(page, 'signalAllAcceptedCredentials');
    assert.deepEqual(after.options, { rpId: rpId(), userId: userIdOf(user.id), allAcceptedCredentialIds: [] });
    await context.close();
  });

  test('a browser without the signal methods sees no difference', async () => {
    const user = await s.lk.createUser();
    const { context, page } = await s.person({ backupEligible: true });
    await recording(context, NO_SIGNALS);
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await s.enrol(page, user);
    await page.goto(`${s.lk.issuer}/account`);
    await page.waitForSelector('table.passkeys');
    assert.deepEqual(errors, []);
    await context.close();
  });
});
