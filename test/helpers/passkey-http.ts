import assert from 'node:assert/strict';
import type { Inbox } from './inbox.js';
import { isEnrolOffer, startAuthorization, type Started, type TestRp } from './rp.js';
import { SoftwareAuthenticator } from './software-authenticator.js';
import type { Page, UserAgent } from './user-agent.js';

/** The page's CSRF token, as its script reads it from the meta tag. */
export const csrfOf = (page: Page) => /name="csrf-token" content="([^"]+)"/.exec(page.html)![1]!;

/**
 * From the offer after a password sign-in, the first passkey as a person adds it over
 * HTTP: ask for the mailed code, type it, then the WebAuthn registration with a software
 * authenticator. Returns the authenticator and the page the flow ends on (the app's callback).
 */
export async function enrolFirstPasskey(ua: UserAgent, offer: Page, options: { issuer: string; accountId: string; email: string; mail: Inbox }) {
  assert.ok(isEnrolOffer(offer), 'the offer of a first passkey follows a password sign-in');
  const csrf = csrfOf(offer);
  const base = offer.url;
  const codePage = await ua.submit(offer, '/enrol/send-code');
  const code = await options.mail.passkeyCode(options.email);
  const ready = await ua.submit(codePage, '/enrol/code', { code });
  assert.match(ready.html, /id="passkey-enrol"/, 'the mailed code opens the enrolment');
  const created = await ua.postJson(`${base}/enrol/options`, {}, { 'x-csrf-token': csrf });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const authenticator = new SoftwareAuthenticator(new URL(options.issuer).hostname, options.issuer, options.accountId);
  const verified = await ua.postJson(`${base}/enrol/verify`, { credential: authenticator.attest((created.body as { challenge: string }).challenge), name: 'Laptop' }, { 'x-csrf-token': csrf });
  assert.equal(verified.status, 200, JSON.stringify(verified.body));
  const redirect = (verified.body as { redirect?: string }).redirect;
  const end = redirect ? await ua.go(new URL(redirect, options.issuer).toString()) : undefined;
  return { authenticator, end };
}

/** A sign-in with the passkey alone (discoverable credential) from a fresh authorization request. */
export async function passkeySignIn(ua: UserAgent, rp: TestRp, authenticator: SoftwareAuthenticator, issuer: string, extra: Record<string, string> = {}) {
  const started: Started = await startAuthorization(rp, extra);
  const login = await ua.go(started.url.toString());
  const options = await ua.postJson(`${login.url}/passkey-sign-in/options`, {}, { 'x-csrf-token': csrfOf(login) });
  assert.equal(options.status, 200, JSON.stringify(options.body));
  const back = await ua.postJson(
    `${login.url}/passkey-sign-in/verify`,
    { credential: authenticator.assert((options.body as { challenge: string }).challenge) },
    { 'x-csrf-token': csrfOf(login) },
  );
  assert.equal(back.status, 200, JSON.stringify(back.body));
  const callback = await ua.go(new URL((back.body as { redirect: string }).redirect, issuer).toString());
  assert.equal(callback.status, 0, `back at the app: ${callback.url}`);
  return { callback: new URL(callback.url), started };
}
