import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAccountsRepo } from '../../../src/accounts/accounts-repo.js';
import { createAuditLog } from '../../../src/audit/audit-log.js';
import { createPasskeysRepo } from '../../../src/passkeys/passkeys-repo.js';
import { backends, type OpenBackend } from '../../helpers/backends.js';
import { inbox, type Inbox } from '../../helpers/inbox.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { isEnrolOffer, redeem, relyingParty, startAuthorization, userAgentFor, type TestRp } from '../../helpers/rp.js';
import { startSmtp, type TestSmtp } from '../../helpers/smtp.js';
import { SoftwareAuthenticator } from '../../helpers/software-authenticator.js';
import { UserAgent, type Page } from '../../helpers/user-agent.js';

/**
 * DESIGN.md "Binding": a password alone never yields a passkey. The first passkey of an
 * account needs a one-time code mailed to its address in the same flow, on every path
 * (the offer after sign-in and the account page), checked before any options are issued.
 * Codes are read from what arrived at a real SMTP server.
 */
for (const backend of backends()) {
  describe(`first passkey needs the mailed code (${backend.name})`, () => {
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
      lk = await startLatchkey(open, { LATCHKEY_SMTP_URL: smtp.url, LATCHKEY_MAIL_FROM: 'Latchkey <no-reply@example.com>', LATCHKEY_MAIL_POLL_SECONDS: '1' }, { clock: () => now });
      rp = await relyingParty(lk, await lk.createClient({ name: 'Notes' }));
    });
    after(async () => {
      await lk?.close();
      await smtp?.close();
      await open?.close();
    });

    const csrfOf = (page: Page) => /name="csrf-token" content="([^"]+)"/.exec(page.html)![1]!;
    const passkeysOf = (accountId: string) => createPasskeysRepo(open.db).listForAccount(accountId);

    async function atEnrolOffer(user: { email: string; password: string }) {
      const ua = userAgentFor(rp);
      const page = await ua.go((await startAuthorization(rp)).url.toString());
      const offer = await ua.submit(page, '/password', { email: user.email, password: user.password });
      assert.ok(isEnrolOffer(offer), 'the offer of a first passkey follows a password sign-in');
      return { ua, offer, csrf: csrfOf(offer), base: offer.url };
    }

    /** Every way a page script could ask for or finish a passkey: all refused, nothing issued. */
    async function refusedEverywhere(ua: UserAgent, base: string, csrf: string, why: string) {
      const options = await ua.postJson(`${base}/enrol/options`, {}, { 'x-csrf-token': csrf });
      assert.equal(options.status, 403, why);
      assert.equal((options.body as { error: string }).error, 'passkey.needs_code', why);
      assert.equal((options.body as { challenge?: string }).challenge, undefined);
      const credential = new SoftwareAuthenticator(new URL(lk.issuer).hostname, lk.issuer, 'nobody').attest('made-up-challenge');
      const verify = await ua.postJson(`${base}/enrol/verify`, { credential, name: 'Stolen' }, { 'x-csrf-token': csrf });
      assert.equal(verify.status, 403, why);
      assert.equal((verify.body as { error: string }).error, 'passkey.needs_code', why);
    }

    test('a password alone: no code, a wrong code or a dead code never gets passkey options', async () => {
      const user = await lk.createUser();
      const { ua, offer, csrf, base } = await atEnrolOffer(user);
      assert.match(offer.html, /we first mail a code to/);
      await refusedEverywhere(ua, base, csrf, 'before any code was mailed');
      // A code confirmation posted before this sign-in mailed one does nothing.
      const early = await ua.submit({ ...offer, html: `<form method="post" action="${base}/enrol/code"><input type="hidden" name="_csrf" value="${csrf}"></form>` }, '/enrol/code', { code: '000000' });
      assert.ok(isEnrolOffer(early));
      assert.match(early.html, /we first mail a code to/);

      const codePage = await ua.submit(offer, '/enrol/send-code');
      assert.match(codePage.html, /autocomplete="one-time-code"/);
      assert.match(codePage.html, /inputmode="numeric"/);
      assert.match(codePage.html, /Send a new code/);
      const code = await mail.passkeyCode(user.email);
      await refusedEverywhere(ua, base, csrf, 'a code was mailed but not typed');

      const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
      for (let left = 4; left >= 1; left -= 1) {
        const page = await ua.submit(codePage, '/enrol/code', { code: wrong });
        assert.equal(page.status, 400);
        assert.match(page.html, new RegExp(`That code is not right. Check the mail and try again \\(${left} tr(y|ies) left\\)`));
        assert.match(page.html, /aria-invalid="true" aria-describedby="code-error"/);
        await refusedEverywhere(ua, base, csrf, `after a wrong code (${left} left)`);
      }
      const last = await ua.submit(codePage, '/enrol/code', { code: wrong });
      assert.match(last.html, /it no longer works. Send a new code/);
      // Dead stays dead, even typed right.
      const right = await ua.submit(codePage, '/enrol/code', { code });
      assert.equal(right.status, 400);
      assert.match(right.html, /This code no longer works/);
      await refusedEverywhere(ua, base, csrf, 'after the right code typed into a dead one');
      assert.equal((await passkeysOf(user.id)).length, 0);
      const failures = await createAuditLog(open.db).list({ accountId: user.id, type: 'code.failed' });
      assert.equal(failures.length, 6);
      assert.ok(failures.every((e) => !JSON.stringify(e).includes(code)), 'the audit never holds the code');
    });

    test('the account page: a fresh password without the code gets no options, and no verify', async () => {
      const user = await lk.createUser();
      const ua = new UserAgent();
      let page = await ua.go(`${lk.issuer}/account/sign-in`);
      page = await ua.submit(page, '/password', { email: user.email, password: user.password });
      assert.ok(isEnrolOffer(page));
      page = await ua.submit(page, '/enrol/skip');
      assert.match(page.url, /\/account$/);
      assert.match(page.html, /we first mail a code to/);
      assert.doesNotMatch(page.html, /id="passkey-add"/);
      const csrf = csrfOf(page);
      const refuse = async (why: string) => {
        const options = await ua.postJson(`${lk.issuer}/account/passkeys/options`, {}, { 'x-csrf-token': csrf });
        assert.equal(options.status, 403, why);
        assert.equal((options.body as { error: string }).error, 'account.code_required', why);
        const credential = new SoftwareAuthenticator(new URL(lk.issuer).hostname, lk.issuer, user.id).attest('made-up-challenge');
        const verify = await ua.postJson(`${lk.issuer}/account/passkeys/verify`, { credential }, { 'x-csrf-token': csrf });
        assert.equal(verify.status, 403, why);
      };
      await refuse('no code mailed');
      page = await ua.submit(page, '/account/passkeys/send-code');
      assert.match(page.html, /autocomplete="one-time-code"/);
      const code = await mail.passkeyCode(user.email);
      await refuse('code mailed, not typed');
      const wrong = await ua.submit(page, '/account/passkeys/code', { code: String((Number(code) + 7) % 1_000_000).padStart(6, '0') });
      assert.equal(wrong.status, 400);
      assert.match(wrong.html, /That code is not right/);
      await refuse('wrong code');

      // With the code: the first passkey is added from the account page, and the owner is told.
      page = await ua.submit(page, '/account/passkeys/code', { code });
      assert.match(page.html, /Code confirmed/);
      const authenticator = new SoftwareAuthenticator(new URL(lk.issuer).hostname, lk.issuer, user.id);
      const options = await ua.postJson(`${lk.issuer}/account/passkeys/options`, {}, { 'x-csrf-token': csrf });
      assert.equal(options.status, 200);
      const { challenge, timeout } = options.body as { challenge: string; timeout: number };
      assert.ok(timeout <= 5 * 60_000);
      const done = await ua.postJson(`${lk.issuer}/account/passkeys/verify`, { credential: authenticator.attest(challenge), name: 'Laptop' }, { 'x-csrf-token': csrf });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal((await passkeysOf(user.id)).length, 1);
      const added = await mail.take(user.email, /A passkey was added/);
      assert.match(added.text ?? '', /A passkey named "Laptop" was added/);
      assert.match(added.text ?? '', /IP address: /);
      assert.match(added.text ?? '', /If this was not you/);
    });

    test('with the mailed code the first passkey is enrolled, the address verified, and it signs in with acr phr', async () => {
      const accounts = createAccountsRepo(open.db);
      const password = 'correct horse battery staple';
      const { hashPassword } = await import('../../../src/accounts/passwords.js');
      const user = await accounts.create({ email: 'bob@example.com', name: 'Bob', passwordHash: await hashPassword(password), emailVerified: false });
      const { ua, offer, csrf, base } = await atEnrolOffer({ email: user.email, password });
      const codePage = await ua.submit(offer, '/enrol/send-code');
      // A resend kills the first code: only the newest works.
      const first = await mail.passkeyCode(user.email);
      await ua.submit(codePage, '/enrol/send-code');
      const second = await mail.passkeyCode(user.email);
      if (first !== second) {
        const old = await ua.submit(codePage, '/enrol/code', { code: first });
        assert.equal(old.status, 400);
      }
      const ready = await ua.submit(codePage, '/enrol/code', { code: second });
      assert.match(ready.html, /id="passkey-enrol"/);
      assert.equal((await accounts.findById(user.id))!.emailVerified, true, 'the code came back from the address: it is verified');

      const options = await ua.postJson(`${base}/enrol/options`, {}, { 'x-csrf-token': csrf });
      assert.equal(options.status, 200);
      const { challenge } = options.body as { challenge: string };
      const authenticator = new SoftwareAuthenticator(new URL(lk.issuer).hostname, lk.issuer, user.id);
      const verified = await ua.postJson(`${base}/enrol/verify`, { credential: authenticator.attest(challenge), name: 'Phone' }, { 'x-csrf-token': csrf });
      assert.equal(verified.status, 200, JSON.stringify(verified.body));
      const added = await mail.take(user.email, /A passkey was added/);
      assert.match(added.text ?? '', /"Phone"/);

      // A later sign-in asking for phr gets it with that passkey.
      const other = userAgentFor(rp);
      const started = await startAuthorization(rp, { acr_values: 'phr' });
      const login = await other.go(started.url.toString());
      const signIn = await other.postJson(`${login.url}/passkey-sign-in/options`, {}, { 'x-csrf-token': csrfOf(login) });
      assert.equal(signIn.status, 200);
      const assertion = authenticator.assert((signIn.body as { challenge: string }).challenge);
      const back = await other.postJson(`${login.url}/passkey-sign-in/verify`, { credential: assertion }, { 'x-csrf-token': csrfOf(login) });
      assert.equal(back.status, 200, JSON.stringify(back.body));
      const callback = await other.go(new URL((back.body as { redirect: string }).redirect, lk.issuer).toString());
      const tokens = await redeem(rp, new URL(callback.url), started);
      assert.equal(tokens.claims()!.acr, 'phr');
    });

    test('a confirmed code counts for five minutes, and options never outlive the password', async () => {
      const user = await lk.createUser();
      const { ua, offer, csrf, base } = await atEnrolOffer(user);
      const codePage = await ua.submit(offer, '/enrol/send-code');
      now = new Date(now.getTime() + 4 * 60_000);
      await ua.submit(codePage, '/enrol/code', { code: await mail.passkeyCode(user.email) });
      const options = await ua.postJson(`${base}/enrol/options`, {}, { 'x-csrf-token': csrf });
      assert.equal(options.status, 200);
      assert.ok((options.body as { timeout: number }).timeout <= 60_000, 'the challenge ends with the password freshness');
      now = new Date(now.getTime() + 61_000);
      const late = await ua.postJson(`${base}/enrol/options`, {}, { 'x-csrf-token': csrf });
      assert.equal(late.status, 403);
      assert.equal((late.body as { error: string }).error, 'passkey.needs_fresh_password');
    });
  });
}
