import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { backends, type OpenBackend } from '../../helpers/backends.js';
import { browserSuite } from '../../helpers/browser.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { oidc, relyingParty, startAuthorization, type TestRp } from '../../helpers/rp.js';
import { listen } from '../passkeys/setup.js';

/**
 * The two pages the engine writes itself and submits with one inline script: the
 * response_mode=form_post page, and the sign-out of a session that has already ended.
 * Latchkey's CSP blocks inline script, so both need the script's hash in the policy.
 * In Chromium, with scripts on and off.
 */
browserSuite('code flow: auto-submitting pages in Chromium (form_post, logout of an ended session)', (chromium) => {
  let open: OpenBackend;
  let lk: TestLatchkey;
  let app: { server: Server; port: number };
  let notes: TestRp;
  let calendar: TestRp;
  let alice: { email: string; password: string };

  before(async () => {
    open = await backends()[0]!.open();
    lk = await startLatchkey(open);
    // The relying parties' pages: whatever arrives, by GET or POST, shown as text.
    app = await listen((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>App</title><p id="method">${req.method}</p><p id="body">${body}</p>`);
      });
    });
    const base = `http://localhost:${app.port}`;
    notes = await relyingParty(lk, await lk.createClient({ name: 'Notes', redirectUris: [`${base}/notes/cb`], postLogoutRedirectUris: [`${base}/notes/bye`] }));
    calendar = await relyingParty(lk, await lk.createClient({ name: 'Calendar', redirectUris: [`${base}/calendar/cb`], postLogoutRedirectUris: [`${base}/calendar/bye`] }));
    alice = await lk.createUser({ email: 'alice@example.com' });
  });
  after(async () => {
    app?.server.close();
    await lk?.close();
    await open?.close();
  });

  const at = (page: Page, path: string) => page.waitForURL((u) => u.port === String(app.port) && u.pathname === path, { timeout: 15_000 });

  /** The password form, then "not now" on the passkey offer. */
  async function passwordSignIn(page: Page, user = alice) {
    await page.fill('input[name="email"]', user.email);
    await page.fill('input[name="password"]', user.password);
    await page.click('button[type="submit"].primary');
    await page.click('form[action$="/enrol/skip"] button[type="submit"]');
  }

  /** Signs in (or reuses the session) with form_post and returns the tokens, redeemed from what was posted. */
  async function signInWithFormPost(page: Page, rp: TestRp, signInFirst: boolean) {
    const started = await startAuthorization(rp, { response_mode: 'form_post' });
    await page.goto(started.url.toString());
    if (signInFirst) await passwordSignIn(page);
    await at(page, new URL(rp.redirectUri).pathname);
    assert.equal(await page.textContent('#method'), 'POST');
    const posted = new URLSearchParams((await page.textContent('#body')) ?? '');
    assert.equal(posted.get('state'), started.state);
    const request = new Request(rp.redirectUri, { method: 'POST', body: posted });
    return oidc.authorizationCodeGrant(rp.config, request, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });
  }

  test('form_post lands on the redirect_uri with code and state; logout from a second app after the first ended the session reaches its post_logout_redirect_uri', async () => {
    const context = await chromium.browser.newContext();
    const page = await context.newPage();
    try {
      const notesTokens = await signInWithFormPost(page, notes, true);
      const calendarTokens = await signInWithFormPost(page, calendar, false);

      // Notes signs the user out: the confirmation page, then Notes' own page.
      await page.goto(oidc.buildEndSessionUrl(notes.config, { id_token_hint: notesTokens.id_token!, post_logout_redirect_uri: `http://localhost:${app.port}/notes/bye`, state: 'notes-bye' }).toString());
      await page.click('button[name="logout"][value="yes"]');
      await at(page, '/notes/bye');
      assert.equal(new URL(page.url()).searchParams.get('state'), 'notes-bye');

      // Calendar does the same afterwards: the session is gone, so the engine's page
      // submits itself, and the user reaches Calendar's page instead of a blank one.
      await page.goto(oidc.buildEndSessionUrl(calendar.config, { id_token_hint: calendarTokens.id_token!, post_logout_redirect_uri: `http://localhost:${app.port}/calendar/bye`, state: 'calendar-bye' }).toString());
      await at(page, '/calendar/bye');
      assert.equal(new URL(page.url()).searchParams.get('state'), 'calendar-bye');
    } finally {
      await context.close();
    }
  });

  test('with scripts off, the same pages show a Continue button that gets there', async () => {
    const context = await chromium.browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    try {
      const started = await startAuthorization(notes, { response_mode: 'form_post' });
      await page.goto(started.url.toString());
      await passwordSignIn(page, await lk.createUser({ email: 'bob@example.com' }));
      await page.getByRole('button', { name: 'Continue' }).click();
      await at(page, '/notes/cb');
      const posted = new URLSearchParams((await page.textContent('#body')) ?? '');
      assert.equal(posted.get('state'), started.state);
      const tokens = await oidc.authorizationCodeGrant(notes.config, new Request(notes.redirectUri, { method: 'POST', body: posted }), {
        pkceCodeVerifier: started.verifier,
        expectedState: started.state,
        expectedNonce: started.nonce,
      });

      await context.clearCookies(); // the Latchkey session has ended
      await page.goto(oidc.buildEndSessionUrl(notes.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: `http://localhost:${app.port}/notes/bye` }).toString());
      await page.getByRole('button', { name: 'Continue' }).click();
      await at(page, '/notes/bye');
    } finally {
      await context.close();
    }
  });
});
