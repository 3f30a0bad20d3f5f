import assert from 'node:assert/strict';
import type { OpenBackend } from '../../helpers/backends.js';
import type { Inbox } from '../../helpers/inbox.js';
import type { TestLatchkey } from '../../helpers/latchkey.js';
import { isEnrolOffer, isLoginPage, redeem, startAuthorization, submitPassword, userAgentFor, type TestRp } from '../../helpers/rp.js';
import { SoftwareAuthenticator } from '../../helpers/software-authenticator.js';
import type { Page, UserAgent } from '../../helpers/user-agent.js';
import { createPasskeysRepo } from '../../../src/passkeys/passkeys-repo.js';

export const csrfOf = (page: Page) => /name="csrf-token" content="([^"]+)"/.exec(page.html)![1]!;

export type AttestOptions = Parameters<SoftwareAuthenticator['attest']>[1];

/**
 * The attestation flows over HTTP, as a browser would drive them: a password sign-in,
 * the mailed code, then a passkey made by the software authenticator with the given
 * attestation; and later a passkey sign-in through the OIDC flow of `rp`.
 */
export function attestationFlows(get: () => { lk: TestLatchkey; rp: TestRp; mail: Inbox; open: OpenBackend }) {
  /** Registers a passkey for `user` through the first-passkey offer; the verify answer. */
  async function register(user: { id: string; email: string; password: string }, attest: AttestOptions) {
    const { lk, rp, mail } = get();
    const ua = userAgentFor(rp);
    const login = await ua.go((await startAuthorization(rp)).url.toString());
    const offer = await ua.submit(login, '/password', { email: user.email, password: user.password });
    assert.ok(isEnrolOffer(offer));
    const codePage = await ua.submit(offer, '/enrol/send-code');
    await ua.submit(codePage, '/enrol/code', { code: await mail.passkeyCode(user.email) });
    const csrf = csrfOf(offer);
    const options = await ua.postJson(`${offer.url}/enrol/options`, {}, { 'x-csrf-token': csrf });
    assert.equal(options.status, 200, JSON.stringify(options.body));
    const { challenge, attestation } = options.body as { challenge: string; attestation: string };
    const authenticator = new SoftwareAuthenticator(new URL(lk.issuer).hostname, lk.issuer, user.id);
    const credential = authenticator.attest(challenge, attest);
    const verify = await ua.postJson(`${offer.url}/enrol/verify`, { credential, name: 'Key' }, { 'x-csrf-token': csrf });
    return { status: verify.status, body: verify.body as { error?: string; message?: string }, authenticator, requested: attestation, ua };
  }

  /** A passkey sign-in through the OIDC flow; the ID token claims, or the unmet page and error. */
  async function signIn(authenticator: SoftwareAuthenticator, backupEligible: boolean, extra: Record<string, string> = {}) {
    const { lk, rp } = get();
    const ua = userAgentFor(rp);
    const started = await startAuthorization(rp, extra);
    const login = await ua.go(started.url.toString());
    const csrf = csrfOf(login);
    const options = await ua.postJson(`${login.url}/passkey-sign-in/options`, {}, { 'x-csrf-token': csrf });
    assert.equal(options.status, 200);
    const assertion = authenticator.assert((options.body as { challenge: string }).challenge, { backupEligible });
    const back = await ua.postJson(`${login.url}/passkey-sign-in/verify`, { credential: assertion }, { 'x-csrf-token': csrf });
    assert.equal(back.status, 200, JSON.stringify(back.body));
    const next = await ua.go(new URL((back.body as { redirect: string }).redirect, lk.issuer).toString());
    if (next.url.startsWith(rp.redirectUri)) {
      const url = new URL(next.url);
      if (url.searchParams.get('error')) return { error: url.searchParams.get('error')! };
      return { claims: (await redeem(rp, url, started)).claims()! };
    }
    // A page before the app: the unmet page, whose button returns to the app with the error.
    const returned = await ua.submit(next, '/unmet');
    return { page: next, error: new URL(returned.url).searchParams.get('error') ?? undefined };
  }

  /** The account page's passkey list, signing in with the password when asked. */
  async function accountPage(ua: UserAgent, user: { email: string; password: string }): Promise<string> {
    let page = await ua.go(`${get().lk.issuer}/account`);
    if (isLoginPage(page)) page = await submitPassword(ua, page, user);
    return page.html;
  }

  const stored = async (id: string) => (await createPasskeysRepo(get().open.db).find(id))!;

  return { register, signIn, stored, accountPage };
}
