import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAccountsRepo } from '../../../src/accounts/accounts-repo.js';
import { createPasskeysRepo } from '../../../src/passkeys/passkeys-repo.js';
import { backends, type OpenBackend } from '../../helpers/backends.js';
import { addVirtualAuthenticator, browserSuite } from '../../helpers/browser.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { redeem, relyingParty, startAuthorization, type TestRp } from '../../helpers/rp.js';
import { startSmtp, type TestSmtp } from '../../helpers/smtp.js';
import { listen } from '../passkeys/setup.js';

// Browser flows on the embedded backend, as in passkeys/: the storage suites cover Postgres + Redis.
const embedded = backends()[0]!;

browserSuite('sign-up with a passkey only (Chromium)', (chromium) => {
  let open: OpenBackend;
  let smtp: TestSmtp;
  let lk: TestLatchkey;
  let rp: TestRp;
  let callback: Awaited<ReturnType<typeof listen>>;

  before(async () => {
    open = await embedded.open();
    smtp = await startSmtp();
    lk = await startLatchkey(open, { LATCHKEY_SMTP_URL: smtp.url, LATCHKEY_MAIL_FROM: 'no-reply@example.com', LATCHKEY_SIGNUP: 'open' });
    callback = await listen((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Callback</title><p>back at the app</p>'));
    rp = await relyingParty(lk, await lk.createClient({ name: 'Notes', redirectUris: [`http://localhost:${callback.port}/callback`] }));
  });
  after(async () => {
    callback?.server.close();
    await lk?.close();
    await smtp?.close();
    await open?.close();
  });

  test('email, name, the mailed code, then a passkey: a passkey-only account, signed in at phr', async () => {
    const context = await chromium.browser.newContext();
    await context.addInitScript({ content: "Object.defineProperty(PublicKeyCredential, 'isConditionalMediationAvailable', { value: async () => false });" });
    const page = await context.newPage();
    const authenticator = await addVirtualAuthenticator(page, { defaultBackupEligibility: true, defaultBackupState: true });
    const started = await startAuthorization(rp);
    await page.goto(started.url.toString());
    await page.click('text=Create an account');
    await page.fill('#email', 'vera@example.com');
    await page.fill('#name', 'Vera Example');
    await page.click('button[type="submit"].primary');
    await page.waitForSelector('#code');
    const mail = await smtp.next();
    const code = /^\s+(\d{6})\s*$/m.exec(mail.text ?? '')![1]!;
    await page.fill('#code', code);
    await page.click('button[type="submit"].primary');
    await page.waitForSelector('#passkey-sign-up');
    await page.fill('#passkey-name', 'Laptop');
    await page.click('#passkey-sign-up');
    await page.waitForURL((u) => u.port === String(callback.port), { timeout: 15_000 });
    const claims = (await redeem(rp, new URL(page.url()), started)).claims()!;
    assert.equal(claims.acr, 'phr');
    const account = await createAccountsRepo(open.db).findByEmail('vera@example.com');
    assert.ok(account);
    assert.equal(claims.sub, account.id);
    assert.equal(account.passwordHash, null, 'passkey only');
    assert.equal(account.emailVerified, true);
    const passkeys = await createPasskeysRepo(open.db).listForAccount(account.id);
    assert.deepEqual(passkeys.map((p) => p.name), ['Laptop']);
    assert.equal((await authenticator.getCredentials()).length, 1);
    await context.close();
  });
});
