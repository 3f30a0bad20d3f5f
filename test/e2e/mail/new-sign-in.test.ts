import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAuditLog } from '../../../src/audit/audit-log.js';
import { backends, type OpenBackend } from '../../helpers/backends.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { relyingParty, signIn, type TestRp } from '../../helpers/rp.js';
import { startSmtp, type TestSmtp } from '../../helpers/smtp.js';
import { UserAgent, type Transport } from '../../helpers/user-agent.js';

const FIREFOX_ON_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:128.0) Gecko/20100101 Firefox/128.0';

/** A user agent that says which browser it is, as a real one does. */
function browser(rp: TestRp, userAgent: string): UserAgent {
  const target = new URL(rp.redirectUri);
  const transport: Transport = (url, init) => fetch(url, { ...init, headers: { ...init.headers, 'user-agent': userAgent }, redirect: 'manual' });
  return new UserAgent((u) => u.origin === target.origin && u.pathname === target.pathname, transport);
}

for (const backend of backends()) {
  describe(`mail: sign-in from a new device (${backend.name})`, () => {
    let open: OpenBackend;
    let smtp: TestSmtp;
    let lk: TestLatchkey;
    let rp: TestRp;
    before(async () => {
      open = await backend.open();
      smtp = await startSmtp();
      lk = await startLatchkey(open, { LATCHKEY_SMTP_URL: smtp.url, LATCHKEY_MAIL_FROM: 'Latchkey <no-reply@example.com>' });
      rp = await relyingParty(lk, await lk.createClient({ name: 'Notes' }));
    });
    after(async () => {
      await lk?.close();
      await smtp?.close();
      await open?.close();
    });

    const queued = async (to: string) =>
      (await open.db.query<{ n: number }>("SELECT count(*)::int AS n FROM mail_outbox WHERE template = 'new-sign-in' AND recipient = $1", [to])).rows[0]!.n;

    test('the first sign-in from a browser mails the owner with the device, IP and time; the same browser again does not', async () => {
      const hana = await lk.createUser({ email: 'hana@example.com', name: 'Hana Example' });
      const firefox = browser(rp, FIREFOX_ON_MAC);
      await signIn(firefox, rp, hana);
      const mail = await smtp.next();
      assert.equal(mail.subject, 'New sign-in to your account');
      assert.equal((mail.to as { text: string }).text, 'hana@example.com');
      assert.match(mail.text ?? '', /Hello Hana Example,/);
      assert.match(mail.text ?? '', /signed in to from a device that has not been used with it before \(password\)/);
      assert.match(mail.text ?? '', /Device: Firefox on macOS/);
      assert.match(mail.text ?? '', /IP address: (127\.0\.0\.1|::ffff:127\.0\.0\.1|::1)/);
      assert.match(mail.text ?? '', /When: \d{1,2} \w+ \d{4}, \d{2}:\d{2} UTC/);
      assert.equal(await queued(hana.email), 1);

      await signIn(firefox, rp, hana, { prompt: 'login' });
      assert.equal(await queued(hana.email), 1, 'a browser that signed in before is no news');

      await signIn(browser(rp, FIREFOX_ON_MAC), rp, hana);
      assert.equal(await queued(hana.email), 2, 'the same kind of browser without the cookie is a new device');
      await smtp.next();

      const events = await createAuditLog(open.db).list({ accountId: hana.id, type: 'login.succeeded' });
      assert.equal(events.length, 3);
      assert.equal(events[0]!.userAgent, FIREFOX_ON_MAC);
      assert.equal(events[0]!.clientId, rp.clientId);
      assert.ok(events[0]!.ip);
      assert.deepEqual(events[0]!.detail, { method: 'password', acr: 'pwd', amr: ['pwd'], newDevice: true });
      assert.doesNotMatch(JSON.stringify(events), new RegExp(hana.password), 'never a secret');
    });
  });
}
