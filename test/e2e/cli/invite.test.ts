import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAccountsRepo } from '../../../src/accounts/accounts-repo.js';
import { createInvitation } from '../../../src/accounts/invitations.js';
import { createOneTimeCodes } from '../../../src/accounts/one-time-codes.js';
import { createPasskeysRepo } from '../../../src/passkeys/passkeys-repo.js';
import { backends, type OpenBackend } from '../../helpers/backends.js';
import { inbox, type Inbox } from '../../helpers/inbox.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { redeem, relyingParty, startAuthorization, userAgentFor, type TestRp } from '../../helpers/rp.js';
import { startSmtp, type TestSmtp } from '../../helpers/smtp.js';
import { SoftwareAuthenticator } from '../../helpers/software-authenticator.js';
import { UserAgent, type Page } from '../../helpers/user-agent.js';
import { latchkey } from './setup.js';

/**
 * `latchkey user create --invite`: no password, an unverified address, and a single-use
 * enrolment link (24 hours) mailed and printed. On Postgres the command runs as the
 * operator runs it, next to a running Latchkey whose drainer delivers the mail; the
 * embedded data directory is locked by the running server, so there the same module is
 * called in process.
 */
for (const backend of backends()) {
  describe(`invitations (${backend.name})`, () => {
    let open: OpenBackend;
    let smtp: TestSmtp;
    let mail: Inbox;
    let lk: TestLatchkey;
    let rp: TestRp;
    // The command line issues links and queues mail on the real clock; the server's test
    // clock runs with it, moved ahead by `ahead` (the drainer must see that mail as due).
    let ahead = 0;
    const now = () => new Date(Date.now() + ahead);

    before(async () => {
      open = await backend.open();
      smtp = await startSmtp();
      mail = inbox(smtp);
      lk = await startLatchkey(open, { LATCHKEY_SMTP_URL: smtp.url, LATCHKEY_MAIL_FROM: 'no-reply@example.com', LATCHKEY_MAIL_POLL_SECONDS: '1' }, { clock: now });
      rp = await relyingParty(lk, await lk.createClient({ name: 'Notes' }));
    });
    after(async () => {
      await lk?.close();
      await smtp?.close();
      await open?.close();
    });

    async function invite(email: string, name: string): Promise<{ sub: string; email: string; invite_url: string }> {
      if (open.databaseUrl) {
        const env = { DATABASE_URL: open.databaseUrl, LATCHKEY_KEY_ENCRYPTION_KEY: open.keyEncryptionKey.toString('base64url'), LATCHKEY_ISSUER: lk.issuer };
        const run = await latchkey(env, ['user', 'create', '--invite', '--email', email, '--name', name, '--json']);
        assert.equal(run.code, 0, run.stderr);
        return JSON.parse(run.stdout) as { sub: string; email: string; invite_url: string };
      }
      const codes = createOneTimeCodes({
        db: open.db,
        clock: now,
        secret: open.keyEncryptionKey,
        failures: open.ephemeral.failureLimiter({ name: 'unused', points: 1, durationSeconds: 1, blockSeconds: 1 }),
      });
      const { account, url } = await createInvitation({ accounts: createAccountsRepo(open.db), codes, queueMail: (m) => lk.mailer.send(m) }, { email, name, issuer: lk.issuer });
      return { sub: account.id, email: account.email, invite_url: url };
    }

    const csrfOf = (page: Page) => /name="csrf-token" content="([^"]+)"/.exec(page.html)![1]!;

    test('the printed link enrols a passkey once; the link is dead afterwards; the passkey signs in with phr', async () => {
      const printed = await invite('carol@example.com', 'Carol');
      assert.match(printed.invite_url, new RegExp(`^${lk.issuer}/invite/${printed.sub}/[\\w-]{43}$`));
      const account = await createAccountsRepo(open.db).findById(printed.sub);
      assert.equal(account!.passwordHash, null);
      assert.equal(account!.emailVerified, false);
      const invitation = await mail.take('carol@example.com', /You are invited/);
      assert.ok((invitation.text ?? '').includes(printed.invite_url), 'the mail carries the same link');
      assert.doesNotMatch(invitation.subject ?? '', /Carol|carol@/, 'no data from people in the subject');

      // Opening the link (a mail scanner does, too) does not use it up.
      const ua = new UserAgent();
      await ua.go(printed.invite_url);
      const page = await ua.go(printed.invite_url);
      assert.equal(page.status, 200);
      assert.match(page.html, /Create your passkey for Latchkey/);
      assert.equal(page.headers.get('cache-control'), 'no-store');
      const base = new URL(printed.invite_url).pathname;
      const csrf = csrfOf(page);
      const options = await ua.postJson(`${lk.issuer}${base}/passkey/options`, {}, { 'x-csrf-token': csrf });
      assert.equal(options.status, 200);
      const { challenge } = options.body as { challenge: string };
      const authenticator = new SoftwareAuthenticator(new URL(lk.issuer).hostname, lk.issuer, printed.sub);
      // Two verifies race with the same response: one passkey.
      const credential = authenticator.attest(challenge);
      const [a, b] = await Promise.all([0, 1].map(() => ua.postJson(`${lk.issuer}${base}/passkey/verify`, { credential, name: 'Laptop' }, { 'x-csrf-token': csrf })));
      assert.deepEqual([a!.status, b!.status].sort(), [200, 400]);
      const ok = (a!.status === 200 ? a : b)!.body as { redirect: string };
      const done = await ua.go(new URL(ok.redirect, lk.issuer).toString());
      assert.match(done.html, /Your passkey is ready/);
      assert.match(done.html, /href="\/account"/);
      assert.equal((await createPasskeysRepo(open.db).listForAccount(printed.sub)).length, 1);
      assert.equal((await createAccountsRepo(open.db).findById(printed.sub))!.emailVerified, true);
      const added = await mail.take('carol@example.com', /A passkey was added/);
      assert.match(added.text ?? '', /"Laptop"/);

      // Used: the page says so, and a second ceremony is refused before any options.
      const again = await ua.go(printed.invite_url);
      assert.equal(again.status, 410);
      assert.match(again.html, /This invitation link has expired/);
      const refused = await ua.postJson(`${lk.issuer}${base}/passkey/options`, {}, { 'x-csrf-token': csrf });
      assert.equal(refused.status, 410);
      assert.equal((refused.body as { error: string }).error, 'passkey.invitation_dead');

      // The new passkey signs in where phishing resistance is asked for.
      const person = userAgentFor(rp);
      const started = await startAuthorization(rp, { acr_values: 'phr' });
      const login = await person.go(started.url.toString());
      const signIn = await person.postJson(`${login.url}/passkey-sign-in/options`, {}, { 'x-csrf-token': csrfOf(login) });
      const back = await person.postJson(
        `${login.url}/passkey-sign-in/verify`,
        { credential: authenticator.assert((signIn.body as { challenge: string }).challenge) },
        { 'x-csrf-token': csrfOf(login) },
      );
      assert.equal(back.status, 200, JSON.stringify(back.body));
      const callback = await person.go(new URL((back.body as { redirect: string }).redirect, lk.issuer).toString());
      assert.equal((await redeem(rp, new URL(callback.url), started)).claims()!.acr, 'phr');
    });

    test('a link is dead after 24 hours, and a wrong token never shows the page', async () => {
      const printed = await invite('dave@example.com', 'Dave');
      const ua = new UserAgent();
      const wrong = await ua.go(printed.invite_url.replace(/[\w-]{43}$/, 'A'.repeat(43)));
      assert.equal(wrong.status, 410);
      ahead += 24 * 3600_000 + 1000;
      const page = await ua.go(printed.invite_url);
      assert.equal(page.status, 410);
      assert.match(page.html, /more than 24 hours old/);
      const options = await ua.postJson(`${lk.issuer}${new URL(printed.invite_url).pathname}/passkey/options`, {}, { 'x-csrf-token': csrfOf(page) });
      assert.equal(options.status, 410);
      assert.equal((await createPasskeysRepo(open.db).listForAccount(printed.sub)).length, 0);
    });
  });
}
