import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { addVirtualAuthenticator, launchBrowser } from '../helpers/browser.js';
import { startLatchkey, type TestLatchkey } from '../helpers/latchkey.js';
import { redeem, relyingParty, startAuthorization, type Started, type TestRp } from '../helpers/rp.js';
import { createPasskeysRepo } from '../../src/passkeys/passkeys-repo.js';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { startDemoRp } from '../../examples/demo-rp/app.js';
import { createClientRegistry } from '../../src/clients/registry.js';

// Browser flows on the embedded backend: the storage suites cover Postgres + Redis.
const embedded = backends()[0]!;

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('passkeys and step-up in Chromium', async () => {
  const browser: Browser | undefined = await launchBrowser();
  let open: OpenBackend;
  let lk: TestLatchkey;
  let rp: TestRp;
  let callback: { server: Server; port: number };

  before(async () => {
    open = await embedded.open();
    lk = await startLatchkey(open);
    callback = await listen((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Callback</title><p>back at the app</p>'));
    rp = await relyingParty(lk, await lk.createClient({ name: 'Notes', redirectUris: [`http://localhost:${callback.port}/callback`] }));
  });
  after(async () => {
    await browser?.close();
    callback?.server.close();
    await lk?.close();
    await open?.close();
  });

  /**
   * A fresh browser profile with a CTAP2 platform authenticator (resident keys, UV).
   * The virtual authenticator answers a conditional (autofill) request at once, which
   * would sign in before a test can click anything; so autofill is off unless asked for.
   */
  async function person(options: { backupEligible: boolean; userVerified?: boolean; autofill?: boolean }) {
    const context = await browser!.newContext();
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

  /** Password sign-in that accepts the passkey offer: the account leaves with one passkey. */
  async function enrol(page: Page, user: { email: string; password: string }) {
    const started = await authorize(page);
    await passwordSignIn(page, user);
    await page.waitForSelector('#passkey-enrol');
    await page.click('#passkey-enrol');
    return claimsAfter(page, started);
  }

  const passkeysOf = (accountId: string) => createPasskeysRepo(open.db).listForAccount(accountId);

  test('enrol after a password sign-in; the sign-in still reports pwd', { skip: !browser && 'Chromium not installed' }, async () => {
    const alice = await lk.createUser({ email: 'alice@example.com' });
    const { context, page, authenticator } = await person({ backupEligible: true });
    const claims = await enrol(page, alice);
    assert.equal(claims.acr, 'pwd');
    assert.deepEqual(claims.amr, ['pwd']);
    const stored = await passkeysOf(alice.id);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.backupEligible, true);
    assert.equal((await authenticator.getCredentials()).length, 1);
    const events = await createAuditLog(open.db).list({ accountId: alice.id, type: 'passkey.added' });
    assert.equal(events.length, 1);
    await context.close();
  });

  test('sign in with a passkey (button): synced passkey → phr, device-bound → phrh', { skip: !browser && 'Chromium not installed' }, async () => {
    for (const [backupEligible, acr, amr] of [
      [true, 'phr', ['swk', 'mfa']],
      [false, 'phrh', ['hwk', 'mfa']],
    ] as const) {
      const user = await lk.createUser();
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

  test('passkey autofill (conditional mediation) on the email field signs in', { skip: !browser && 'Chromium not installed' }, async () => {
    const user = await lk.createUser();
    const { context, page } = await person({ backupEligible: true, autofill: true });
    // First visit: autofill waits with no passkey to offer, and submitting the password
    // form cancels it cleanly. Then the offer after the password sign-in adds a passkey.
    await enrol(page, user);
    await context.clearCookies();
    const started = await startAuthorization(rp);
    const optionsRequest = page.waitForRequest((r) => r.url().endsWith('/passkey/options'));
    await page.goto(started.url.toString());
    // Second visit: the email field's autofill offers the passkey; the virtual
    // authenticator picks it at once, which is a user choosing it from the list.
    assert.deepEqual(JSON.parse((await optionsRequest).postData() ?? '{}'), { purpose: 'login' });
    const claims = await claimsAfter(page, started);
    assert.equal(claims.sub, user.id);
    assert.equal(claims.acr, 'phr');
    await context.close();
  });

  test('password session + acr_values=phr → step-up page without a password field → phr, same sub', { skip: !browser && 'Chromium not installed' }, async () => {
    const user = await lk.createUser();
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
    await context.close();
  });

  test('an essential acr claim asks for the passkey too', { skip: !browser && 'Chromium not installed' }, async () => {
    const user = await lk.createUser();
    const { context, page } = await person({ backupEligible: false });
    await enrol(page, user);
    const started = await authorize(page, { claims: JSON.stringify({ id_token: { acr: { essential: true, value: 'phr' } } }) });
    await page.click('#passkey-step-up');
    const claims = await claimsAfter(page, started);
    assert.equal(claims.acr, 'phrh', 'the level reached is reported, even above the bar');
    await context.close();
  });

  test('phrh with only a synced passkey → unmet_authentication_requirements', { skip: !browser && 'Chromium not installed' }, async () => {
    const user = await lk.createUser();
    const { context, page } = await person({ backupEligible: true });
    await enrol(page, user);
    await authorize(page, { acr_values: 'phrh' });
    await page.waitForSelector('text=stays on one device');
    await page.click('button[type="submit"].primary');
    const cb = await atCallback(page);
    assert.equal(cb.searchParams.get('error'), 'unmet_authentication_requirements');
    await context.close();
  });

  test('no passkey at all + acr_values=phr → the page explains, the client gets unmet_authentication_requirements', { skip: !browser && 'Chromium not installed' }, async () => {
    const user = await lk.createUser();
    const { context, page } = await person({ backupEligible: true });
    await authorize(page, { acr_values: 'phr' });
    await passwordSignIn(page, user);
    await page.waitForSelector('text=has no passkey yet');
    assert.ok(await page.locator('a[href="/account"]').count());
    await page.click('button[type="submit"].primary');
    assert.equal((await atCallback(page)).searchParams.get('error'), 'unmet_authentication_requirements');
    await context.close();
  });

  test('prompt=none with too weak a session → interaction_required, never a weaker token', { skip: !browser && 'Chromium not installed' }, async () => {
    const user = await lk.createUser();
    const { context, page } = await person({ backupEligible: true });
    await enrol(page, user);
    await authorize(page, { acr_values: 'phr', prompt: 'none' });
    const cb = await atCallback(page);
    assert.equal(cb.searchParams.get('error'), 'interaction_required');
    assert.equal(cb.searchParams.get('code'), null);
    await context.close();
  });

  test('max_age older than the session → passkey step-up on the same account', { skip: !browser && 'Chromium not installed' }, async () => {
    const user = await lk.createUser();
    const { context, page } = await person({ backupEligible: true });
    const first = await enrol(page, user);
    await new Promise((r) => setTimeout(r, 2100));
    const started = await authorize(page, { max_age: '1' });
    await page.waitForSelector('#passkey-step-up');
    await page.click('#passkey-step-up');
    const claims = await claimsAfter(page, started);
    assert.equal(claims.sub, first.sub);
    assert.ok((claims.auth_time as number) > (first.auth_time as number));
    await context.close();
  });

  test('user verification off → refused', { skip: !browser && 'Chromium not installed' }, async () => {
    const user = await lk.createUser();
    const { context, page, authenticator } = await person({ backupEligible: true });
    await enrol(page, user);
    await authenticator.cdp.send('WebAuthn.setUserVerified', { authenticatorId: authenticator.authenticatorId, isUserVerified: false });
    await context.clearCookies();
    await authorize(page);
    await page.click('#passkey-signin');
    await page.waitForSelector('#passkey-status:not([hidden])');
    assert.notEqual(new URL(page.url()).port, String(callback.port));
    await context.close();
  });

  test('another account\'s passkey during a step-up → refused', { skip: !browser && 'Chromium not installed' }, async () => {
    const alice = await lk.createUser();
    const mallory = await lk.createUser();
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
    await page.route('**/passkey/options', async (route) => {
      const res = await route.fetch();
      const options = await res.json();
      await route.fulfill({ response: res, json: { ...options, allowCredentials: [] } });
    });
    await page.click('#passkey-step-up');
    await page.waitForSelector('text=belongs to another account');
    const events = await createAuditLog(open.db).list({ accountId: alice.id, type: 'passkey.wrong_account' });
    assert.equal(events.length, 1);
    await context.close();
  });

  test('a replayed assertion is refused', { skip: !browser && 'Chromium not installed' }, async () => {
    const user = await lk.createUser();
    const { context, page } = await person({ backupEligible: true });
    await enrol(page, user);
    await context.clearCookies();
    const started = await authorize(page);
    const verify = page.waitForRequest((r) => r.url().endsWith('/passkey/verify'));
    await page.click('#passkey-signin');
    const request = await verify;
    await claimsAfter(page, started);
    const replay = await page.request.post(request.url(), { headers: await request.allHeaders(), data: request.postData() ?? '' });
    assert.ok(replay.status() >= 400);
    await context.close();
  });

  test('a second passkey needs a fresh passkey verification, not just a password', { skip: !browser && 'Chromium not installed' }, async () => {
    const user = await lk.createUser();
    const { context, page, authenticator } = await person({ backupEligible: true });
    await enrol(page, user);
    await page.goto(`${lk.issuer}/account`);
    await page.waitForSelector('text=confirm with a passkey');
    assert.equal(await page.locator('#passkey-add').count(), 0);
    const csrf = await page.locator('meta[name="csrf-token"]').getAttribute('content');
    const refused = await page.request.post(`${lk.issuer}/account/passkeys/options`, {
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf! },
      data: JSON.stringify({ purpose: 'enrol' }),
    });
    assert.equal(refused.status(), 403);
    assert.equal((await refused.json()).error, 'account.reauthentication_required');

    // After a passkey step-up the same request is allowed and a second passkey is added.
    await page.click('a[href="/account/sign-in?reauth=passkey"]');
    await page.click('#passkey-step-up');
    await page.waitForSelector('#passkey-add');
    // The new passkey comes from another device: this authenticator forgets the first one
    // (excludeCredentials would otherwise, rightly, refuse a second on the same device).
    const [first] = await authenticator.getCredentials();
    await authenticator.cdp.send('WebAuthn.removeCredential', { authenticatorId: authenticator.authenticatorId, credentialId: first!.credentialId });
    await page.fill('#passkey-name', 'Laptop');
    await page.click('#passkey-add');
    await page.waitForSelector('input[name="name"][value="Laptop"]');
    assert.equal((await passkeysOf(user.id)).length, 2);
    await context.close();
  });

  test('the demo app\'s sensitive page sends the user back for a passkey and opens after it', { skip: !browser && 'Chromium not installed' }, async () => {
    const user = await lk.createUser();
    const { context, page } = await person({ backupEligible: true });
    await enrol(page, user);
    const probe = await listen(() => {});
    const demoPort = probe.port; // a free port for the demo app
    await new Promise((r) => probe.server.close(r));
    const demoUrl = `http://localhost:${demoPort}`;
    await createClientRegistry(open.db).create({
      name: 'Demo app',
      redirectUris: [`${demoUrl}/callback`],
      postLogoutRedirectUris: [`${demoUrl}/`],
      grantTypes: ['authorization_code'],
      scope: 'openid email profile',
      public: true,
      thirdParty: false,
      clientId: `demo-${demoPort}`,
    });
    const demo = await startDemoRp({ issuer: lk.issuer, clientId: `demo-${demoPort}`, baseUrl: demoUrl, port: demoPort });
    try {
      await page.goto(`${demoUrl}/login`);
      await page.waitForURL((u) => u.port === String(demoPort));
      assert.equal(await page.textContent('#acr'), 'pwd', 'the existing password session signs into the demo app');
      await page.click('a[href="/sensitive"]');
      await page.waitForSelector('#passkey-step-up');
      await page.click('#passkey-step-up');
      await page.waitForSelector('#sensitive-ok');
      assert.match((await page.textContent('#sensitive-ok')) ?? '', /acr=phr/);
      await page.goto(`${demoUrl}/`);
      await page.click('#sign-out');
      await page.click('button[name="logout"]');
      await page.waitForSelector('#sign-in');
    } finally {
      demo.close();
      await context.close();
    }
  });
});
