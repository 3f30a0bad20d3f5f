import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { backends, type OpenBackend } from '../../helpers/backends.js';
import { inbox, type Inbox } from '../../helpers/inbox.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { isEnrolOffer, relyingParty, startAuthorization, userAgentFor, type TestRp } from '../../helpers/rp.js';
import { startSmtp, type TestSmtp } from '../../helpers/smtp.js';
import { SoftwareAuthenticator } from '../../helpers/software-authenticator.js';
import type { Page, UserAgent } from '../../helpers/user-agent.js';

// Pages and options over HTTP on the embedded backend: the storage suites cover Postgres + Redis.
const embedded = backends()[0]!;

export const csrfOf = (page: Page) => /name="csrf-token" content="([^"]+)"/.exec(page.html)![1]!;

/**
 * One Latchkey (with `env`) and a relying party, registered in the calling suite, and
 * the steps to the moment a first passkey is created over HTTP: a password sign-in,
 * the offer, the mailed code (read from a real SMTP server).
 */
export function uxSetup(env: Record<string, string> = {}) {
  let open: OpenBackend;
  let smtp: TestSmtp;
  let mail: Inbox;
  let lk: TestLatchkey;
  let rp: TestRp;

  before(async () => {
    open = await embedded.open();
    smtp = await startSmtp();
    mail = inbox(smtp);
    lk = await startLatchkey(open, { LATCHKEY_SMTP_URL: smtp.url, LATCHKEY_MAIL_FROM: 'no-reply@example.com', LATCHKEY_MAIL_POLL_SECONDS: '1', ...env });
    rp = await relyingParty(lk, await lk.createClient({ name: 'Notes' }));
  });
  after(async () => {
    await lk?.close();
    await smtp?.close();
    await open?.close();
  });

  /** Signed in with a password through the account page, the mailed code typed: ready to create the first passkey. */
  async function readyToEnrol(user: { email: string; password: string }): Promise<{ ua: UserAgent; base: string; csrf: string }> {
    const ua = userAgentFor(rp);
    let page = await ua.go((await startAuthorization(rp)).url.toString());
    page = await ua.submit(page, '/password', { email: user.email, password: user.password });
    assert.ok(isEnrolOffer(page), 'the offer of a first passkey follows a password sign-in');
    const base = page.url;
    page = await ua.submit(page, '/enrol/send-code');
    page = await ua.submit(page, '/enrol/code', { code: await mail.passkeyCode(user.email) });
    assert.match(page.html, /id="passkey-enrol"/);
    return { ua, base, csrf: csrfOf(page) };
  }

  const authenticatorFor = (accountId: string, origin?: string) => new SoftwareAuthenticator(new URL(lk.issuer).hostname, origin ?? lk.issuer, accountId);

  return {
    get lk() {
      return lk;
    },
    get rp() {
      return rp;
    },
    get open() {
      return open;
    },
    readyToEnrol,
    authenticatorFor,
  };
}
