import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { backends, type OpenBackend } from '../../helpers/backends.js';
import { addVirtualAuthenticator, browserSuite } from '../../helpers/browser.js';
import { inbox, type Inbox } from '../../helpers/inbox.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { startSmtp, type TestSmtp } from '../../helpers/smtp.js';
import { redeem, relyingParty, startAuthorization, type Started, type TestRp } from '../../helpers/rp.js';
import { createPasskeysRepo } from '../../../src/passkeys/passkeys-repo.js';

// Browser flows on the embedded backend: the storage suites cover Postgres + Redis.
const embedded = backends()[0]!;

export async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/**
 * The passkey flows' shared setup, registered in the calling suite: one Latchkey, a
 * relying party whose callback is a tiny page of its own, and the steps a person takes
 * in Chromium with a CDP virtual authenticator.
 */
function passkeysSetup(chromium: { readonly browser: Browser }, env: Record<string, string>) {
  let open: OpenBackend;
  let smtp: TestSmtp;
  let mail: Inbox;
  let lk: TestLatchkey;
  let rp: TestRp;
  let callback: { server: Server; port: number };

  before(async () => {
    open = await embedded.open();
    // Mail goes to a real SMTP server in the test: a first passkey needs the code it carries.
    smtp = await startSmtp();
    mail = inbox(smtp);
    lk = await startLatchkey(open, { LATCHKEY_SMTP_URL: smtp.url, LATCHKEY_MAIL_FROM: 'no-reply@example.com', LATCHKEY_MAIL_POLL_SECONDS: '1', ...env });
    callback = await listen((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Callback</title><p>back at the app</p>'));
    rp = await relyingParty(lk, await lk.createClient({ name: 'Notes', redirectUris: [`http://localhost:${callback.port}/callback`] }));
  });
  after(async () => {
    callback?.server.close();
    await lk?.close();
    await smtp?.close();
    await open?.close();
  });

  /**
   * A fresh browser profile with a CTAP2 platform authenticator (resident keys, UV).
   * The virtual authenticator answers a conditional (autofill) request at once, which
   * would sign in before a test can click anything; so autofill is off unless asked for.
   */
  async function person(options: { backupEligible: boolean; userVerified?: boolean; autofill?: boolean }) {
    const context = await chromium.browser.newContext();
    if (!options.autofill) {
      // A string, not a function: tsx's transform would add helpers the page lacks.
      await context.addInitScript({
        content: "Object.defineProperty(PublicKeyCredential, 'isConditionalMediationAvailable', { value: async () => false });",
      });
    }
    const page = await context.newPage();
    const authenticator = await addVirtualAuthenticator(page, {
      defaultBackupEligibility: options.backupEligible,
      defaultBackupState: options.backupEligible,
      isUserVerified: options.userVerified ?? true,
    });
    return { context, page, authenticator };
  }

  async function authorize(page: Page, extra: Record<string, string> = {}): Promise<Started> {
    const started = await startAuthorization(rp, extra);
    await page.goto(started.url.toString());
    return started;
  }

  async function atCallback(page: Page): Promise<URL> {
    await page.waitForURL((u) => u.port === String(callback.port), { timeout: 15_000 });
    return new URL(page.url());
  }

  async function claimsAfter(page: Page, started: Started) {
    return (await redeem(rp, await atCallback(page), started)).claims()!;
  }

  async function passwordSignIn(page: Page, user: { email: string; password: string }) {
    await page.fill('input[name="email"]', user.email);
    await page.fill('input[name="password"]', user.password);
    await page.click('button[type="submit"].primary');
  }

  /** Asks for the mailed code on the first-passkey step of this page and types it in. */
  async function confirmMailedCode(page: Page, email: string) {
    await page.click('#passkey-send-code');
    await page.waitForSelector('input[autocomplete="one-time-code"]');
    await page.fill('input[autocomplete="one-time-code"]', await mail.passkeyCode(email));
    await page.click('button:has-text("Confirm code")');
  }

  /**
   * Password sign-in that accepts the passkey offer, typing the code mailed to the
   * account (DESIGN.md "Binding"): the account leaves with one passkey.
   */
  async function enrol(page: Page, user: { email: string; password: string }) {
    const started = await authorize(page);
    await passwordSignIn(page, user);
    await confirmMailedCode(page, user.email);
    await page.waitForSelector('#passkey-enrol');
    await page.click('#passkey-enrol');
    return claimsAfter(page, started);
  }

  const passkeysOf = (accountId: string) => createPasskeysRepo(open.db).listForAccount(accountId);

  return {
    get open() {
      return open;
    },
    get lk() {
      return lk;
    },
    get rp() {
      return rp;
    },
    get callback() {
      return callback;
    },
    person,
    authorize,
    atCallback,
    claimsAfter,
    passwordSignIn,
    confirmMailedCode,
    enrol,
    get mail() {
      return mail;
    },
    passkeysOf,
  };
}

export type PasskeysSuite = ReturnType<typeof passkeysSetup>;

/** A suite of passkey flows in Chromium (skipped without it locally, failed under CI=true); `env` configures its Latchkey. */
export function passkeysSuite(name: string, fn: (s: PasskeysSuite) => void, env: Record<string, string> = {}): void {
  browserSuite(name, (chromium) => fn(passkeysSetup(chromium, env)));
}
