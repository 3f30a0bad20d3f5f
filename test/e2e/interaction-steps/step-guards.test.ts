import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backends, type OpenBackend } from '../../helpers/backends.js';
import { inbox, type Inbox } from '../../helpers/inbox.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { startSmtp, type TestSmtp } from '../../helpers/smtp.js';
import { isEnrolOffer, relyingParty, startAuthorization, userAgentFor, type TestRp } from '../../helpers/rp.js';
import type { Page, UserAgent } from '../../helpers/user-agent.js';

/**
 * Each step acts only when the interaction is at that step, and the binding rule for a
 * first passkey (a password from the last five minutes) is checked before any passkey
 * options are issued. Latchkey's clock is a test clock here, moved forward by the tests.
 */
for (const backend of backends()) {
  describe(`interaction step guards (${backend.name})`, () => {
    let open: OpenBackend;
    let smtp: TestSmtp;
    let mail: Inbox;
    let lk: TestLatchkey;
    let rp: TestRp;
    let now = new Date('2026-11-30T10:00:00Z');

    before(async () => {
      open = await backend.open();
      smtp = await startSmtp();
      mail = inbox(smtp);
      lk = await startLatchkey(open, { LATCHKEY_SMTP_URL: smtp.url, LATCHKEY_MAIL_FROM: 'no-reply@example.com', LATCHKEY_MAIL_POLL_SECONDS: '1' }, { clock: () => now });
      rp = await relyingParty(lk, await lk.createClient({ name: 'Notes' }));
    });
    after(async () => {
      await lk?.close();
      await smtp?.close();
      await open?.close();
    });

    /** Password sign-in of a new user without a passkey: lands on the enrol offer. */
    async function atEnrolOffer(): Promise<{ ua: UserAgent; offer: Page; csrf: string; base: string; email: string }> {
      const user = await lk.createUser();
      const ua = userAgentFor(rp);
      const page = await ua.go((await startAuthorization(rp)).url.toString());
      const offer = await ua.submit(page, '/password', { email: user.email, password: user.password });
      assert.ok(isEnrolOffer(offer), 'the offer of a first passkey follows a password sign-in');
      const csrf = /name="csrf-token" content="([^"]+)"/.exec(offer.html)![1]!;
      return { ua, offer, csrf, base: offer.url, email: user.email };
    }

    test('a passkey request for another step than the current one is a stale page (409), not a ceremony', async () => {
      const { ua, csrf, base } = await atEnrolOffer();
      for (const step of ['passkey-sign-in', 'step-up']) {
        const res = await ua.postJson(`${base}/${step}/options`, {}, { 'x-csrf-token': csrf });
        assert.equal(res.status, 409, step);
        assert.equal((res.body as { error: string }).error, 'passkey.stale_page', step);
      }
    });

    test('a stale password cannot start a first-passkey enrolment: needs_fresh_password before any options', async () => {
      const { ua, offer, csrf, base, email } = await atEnrolOffer();
      // The mailed code is confirmed (first-passkey-proof.test.ts covers its absence).
      const codePage = await ua.submit(offer, '/enrol/send-code');
      await ua.submit(codePage, '/enrol/code', { code: await mail.passkeyCode(email) });
      const fresh = await ua.postJson(`${base}/enrol/options`, {}, { 'x-csrf-token': csrf });
      assert.equal(fresh.status, 200, 'within five minutes the options are issued');
      assert.ok((fresh.body as { challenge?: string }).challenge);
      now = new Date(now.getTime() + 5 * 60_000 + 1000);
      const stale = await ua.postJson(`${base}/enrol/options`, {}, { 'x-csrf-token': csrf });
      assert.equal(stale.status, 403);
      assert.equal((stale.body as { error: string }).error, 'passkey.needs_fresh_password');
      assert.match((stale.body as { message: string }).message, /more than five minutes old/);
      // Reloading the page now finishes the sign-in instead of offering the passkey again.
      const back = await ua.go(base);
      assert.equal(back.status, 0, 'the browser is back at the client');
      assert.ok(new URL(back.url).searchParams.get('code'));
    });

    test('a form posted from an earlier step goes back to the current page', async () => {
      const { ua, offer } = await atEnrolOffer();
      const again = await ua.submit(
        { ...offer, html: `<form method="post" action="${offer.url}/password"><input type="hidden" name="_csrf" value="${/name="_csrf" value="([^"]+)"/.exec(offer.html)![1]}"></form>` },
        '/password',
        { email: 'mallory@example.com', password: 'irrelevant-password' },
      );
      assert.ok(isEnrolOffer(again), 'the password step does not run again on top of a finished one');
    });

    test('a page from an earlier release posting to a path no step answers is told the page is stale', async () => {
      const { ua, offer, csrf, base } = await atEnrolOffer();
      const script = await ua.postJson(`${base}/passkey/options`, { purpose: 'login' }, { 'x-csrf-token': csrf });
      assert.equal(script.status, 409);
      assert.equal((script.body as { error: string }).error, 'passkey.stale_page');
      const form = await ua.submit(
        { ...offer, html: `<form method="post" action="${base}/login"><input type="hidden" name="_csrf" value="${csrf}"></form>` },
        '/login',
        { email: 'alice@example.com', password: 'irrelevant-password' },
      );
      assert.ok(isEnrolOffer(form), 'an old form lands back on the current page');
    });

    test('page scripts and styles are linked by content version and cached for good at that version', async () => {
      const { offer } = await atEnrolOffer();
      const src = /<script src="(\/static\/js\/passkeys\.js\?v=[\w-]+)"/.exec(offer.html)?.[1];
      assert.ok(src, 'the passkey script URL carries its version');
      const res = await fetch(new URL(src, lk.issuer));
      assert.equal(res.status, 200);
      assert.match(res.headers.get('cache-control') ?? '', /immutable/);
      const unversioned = await fetch(new URL('/static/js/passkeys.js', lk.issuer));
      assert.doesNotMatch(unversioned.headers.get('cache-control') ?? '', /immutable/);
    });
  });
}
