import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { startLatchkey } from '../helpers/latchkey.js';
import { closedPort, startSmtp } from '../helpers/smtp.js';
import { createLogger } from '../../src/common/logger.js';
import { createMailer } from '../../src/mail/mailer.js';
import { createOutbox } from '../../src/mail/outbox.js';
import { createSmtpTransport } from '../../src/mail/smtp-transport.js';
import { createPostgresDb } from '../../src/storage/postgres.js';
import type { Db } from '../../src/storage/db.js';

const FROM = 'Latchkey <no-reply@example.com>';
const smtpEnv = (url: string) => ({ LATCHKEY_SMTP_URL: url, LATCHKEY_MAIL_FROM: FROM, LATCHKEY_MAIL_POLL_SECONDS: '0.05' });

function testClock() {
  let now = Date.parse('2025-03-03T14:05:00Z');
  return { clock: () => new Date(now), advance: (ms: number) => void (now += ms) };
}

interface Row {
  status: string;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  data: unknown;
}

async function outboxRow(db: Db, id: string): Promise<Row | undefined> {
  return (await db.query<Row>('SELECT status, attempts, next_attempt_at, last_error, data FROM mail_outbox WHERE id = $1', [id])).rows[0];
}

const code = { to: 'alice@example.com', template: 'one-time-code' as const, data: { code: '493017', purpose: 'verify-email' as const, minutes: 10, device: 'Firefox on macOS' } };

for (const backend of backends()) {
  describe(`mail outbox (${backend.name})`, () => {
    let open: OpenBackend;
    before(async () => {
      open = await backend.open();
    });
    after(async () => open?.close());

    test('a queued mail arrives by SMTP with its subject, text, HTML, From and To; the sent row keeps no code', async () => {
      const smtp = await startSmtp();
      const t = testClock();
      const lk = await startLatchkey(open, smtpEnv(smtp.url), { clock: t.clock });
      try {
        const delivered = once(lk.mailer.events, 'delivered');
        const { id } = await lk.mailer.send(code);
        const mail = await smtp.next();
        assert.equal(mail.subject, 'Your code to verify your email address');
        assert.equal(mail.from?.text, '"Latchkey" <no-reply@example.com>');
        assert.equal(mail.to && !Array.isArray(mail.to) ? mail.to.text : '', 'alice@example.com');
        assert.match(mail.text ?? '', /Your code to verify your email address:\n\n {4}493017\n/);
        assert.match(mail.text ?? '', /When: 3 March 2025, 14:05 UTC\nDevice: Firefox on macOS\n/);
        assert.match(mail.text ?? '', /If you did not ask for this code, ignore this mail/);
        assert.match(String(mail.html), />493017</);
        assert.match(String(mail.html), /Firefox on macOS/);
        assert.equal(mail.messageId, `<${id}@example.com>`);
        assert.equal(mail.headers.get('auto-submitted'), 'auto-generated');
        await delivered;
        const row = await outboxRow(open.db, id);
        assert.equal(row?.status, 'sent');
        assert.equal(row?.attempts, 1);
        assert.equal(row?.data, null, 'the code leaves the table once it is sent');

        // The sweep prunes sent mail after the retention (7 days by default), not before.
        assert.equal(await lk.mailer.prune(), 0);
        t.advance(7 * 86_400_000 + 60_000);
        assert.equal(await lk.mailer.prune(), 1);
        assert.equal(await outboxRow(open.db, id), undefined);
      } finally {
        await lk.close();
        await smtp.close();
      }
    });

    test('mails queued at once go out together: each arrives once and every row is marked sent', async () => {
      const smtp = await startSmtp();
      const lk = await startLatchkey(open, smtpEnv(smtp.url));
      try {
        let delivered = 0;
        const all = new Promise<void>((resolve) => lk.mailer.events.on('delivered', () => (delivered += 1) === 5 && resolve()));
        const ids = (await Promise.all(Array.from({ length: 5 }, (_, i) => lk.mailer.send({ ...code, to: `user${i}@example.com` })))).map((m) => m.id);
        const arrived = [];
        for (let i = 0; i < ids.length; i++) arrived.push(await smtp.next());
        assert.deepEqual(arrived.map((m) => m.messageId).sort(), ids.map((id) => `<${id}@example.com>`).sort());
        await all;
        assert.equal(smtp.received.length, 5, 'no mail twice');
        for (const id of ids) assert.deepEqual([(await outboxRow(open.db, id))?.status, (await outboxRow(open.db, id))?.attempts], ['sent', 1]);
      } finally {
        await lk.close();
        await smtp.close();
      }
    });

    test('send() returns once the mail is queued, while the SMTP server is still holding the delivery', async () => {
      const smtp = await startSmtp();
      const release = smtp.hold();
      const lk = await startLatchkey(open, smtpEnv(smtp.url));
      try {
        const delivered = once(lk.mailer.events, 'delivered');
        const { id } = await lk.mailer.send(code);
        assert.equal((await outboxRow(open.db, id))?.status, 'queued');
        assert.equal(smtp.received.length, 0);
        release();
        await delivered;
        assert.equal(smtp.received.length, 1);
      } finally {
        await lk.close();
        await smtp.close();
      }
    });

    test('an SMTP outage loses nothing: the row waits with a growing backoff and goes out when the server is back', async () => {
      const port = await closedPort();
      const t = testClock();
      const lk = await startLatchkey(open, smtpEnv(`smtp://127.0.0.1:${port}`), { clock: t.clock });
      let smtp: Awaited<ReturnType<typeof startSmtp>> | undefined;
      try {
        const firstRetry = once(lk.mailer.events, 'retry');
        const { id } = await lk.mailer.send(code);
        const [first] = await firstRetry;
        assert.equal(first.attempts, 1);
        let row = await outboxRow(open.db, id);
        assert.equal(row?.status, 'queued');
        assert.equal(row?.next_attempt_at.getTime(), t.clock().getTime() + 30_000, 'first retry after 30 s');
        assert.match(row?.last_error ?? '', /ECONNECTION|ECONNREFUSED/);
        assert.doesNotMatch(row?.last_error ?? '', /493017/);

        // A new server on the same port, refusing for now (451: try again later).
        smtp = await startSmtp(port);
        smtp.refuse = { code: 451, message: 'Try again later' };
        const refused = smtp.nextRefusal();
        const secondRetry = once(lk.mailer.events, 'retry');
        t.advance(30_000);
        await refused;
        const [second] = await secondRetry;
        assert.equal(second.attempts, 2);
        row = await outboxRow(open.db, id);
        assert.equal(row?.next_attempt_at.getTime(), t.clock().getTime() + 60_000, 'the backoff doubles');
        assert.match(row?.last_error ?? '', /451/);

        smtp.refuse = undefined;
        const delivered = once(lk.mailer.events, 'delivered');
        t.advance(60_000);
        const mail = await smtp.next();
        assert.match(mail.text ?? '', /493017/);
        await delivered;
        row = await outboxRow(open.db, id);
        assert.equal(row?.status, 'sent');
        assert.equal(row?.attempts, 3);
      } finally {
        await lk.close();
        await smtp?.close();
      }
    });

    test('a restart loses nothing: mail queued during an outage is sent by the next process', async () => {
      const port = await closedPort();
      const t = testClock();
      const first = await startLatchkey(open, smtpEnv(`smtp://127.0.0.1:${port}`), { clock: t.clock });
      const retried = once(first.mailer.events, 'retry');
      const { id } = await first.mailer.send(code);
      await retried;
      await first.close();

      const smtp = await startSmtp(port);
      t.advance(30_000);
      const second = await startLatchkey(open, smtpEnv(smtp.url), { clock: t.clock });
      try {
        const mail = await smtp.next();
        assert.equal(mail.messageId, `<${id}@example.com>`);
      } finally {
        await second.close();
        await smtp.close();
      }
    });

    test('after the last attempt the row stays for the operator as failed, logged by name only', async () => {
      const smtp = await startSmtp();
      smtp.refuse = { code: 554, message: 'Transaction failed' };
      const lines: string[] = [];
      const logger = createLogger('info', new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
      const t = testClock();
      const mailer = createMailer({
        db: open.db,
        transport: createSmtpTransport(smtp.url),
        site: { productName: 'Latchkey', issuer: 'http://localhost:3000' },
        from: FROM,
        clock: t.clock,
        logger,
        pollSeconds: 3600,
        maxAttempts: 2,
        retentionDays: 7,
      });
      try {
        const failed = once(mailer.events, 'failed');
        const { id } = await mailer.send(code);
        await once(mailer.events, 'retry');
        t.advance(30_000);
        await mailer.drain();
        const [gaveUp] = await failed;
        assert.deepEqual(gaveUp, { id, template: 'one-time-code', attempts: 2 });
        const row = await outboxRow(open.db, id);
        assert.equal(row?.status, 'failed');
        assert.equal(row?.data, null);
        assert.match(row?.last_error ?? '', /554 Transaction failed/);
        t.advance(30 * 86_400_000);
        await mailer.prune();
        assert.equal((await mailer.listFailed()).map((f) => f.id).includes(id), true, 'failed rows are not pruned');

        const log = lines.join('');
        assert.match(log, new RegExp(`"id":"${id}","template":"one-time-code","to":"example.com"`));
        assert.match(log, /gave up/);
        assert.doesNotMatch(log, /493017|alice@|Firefox/, 'no code, address or body in the logs');
      } finally {
        await mailer.close();
        await smtp.close();
      }
    });

    test('two drainers racing over one database deliver each mail exactly once', async () => {
      const smtp = await startSmtp();
      // Two pools on Postgres, as two processes would have; PGlite is one process anyway.
      const second = open.databaseUrl ? createPostgresDb(open.databaseUrl) : open.db;
      const drainers = [open.db, second].map((db) =>
        createMailer({
          db,
          transport: createSmtpTransport(smtp.url),
          site: { productName: 'Latchkey', issuer: 'http://localhost:3000' },
          from: FROM,
          clock: () => new Date(),
          logger: createLogger('silent'),
          pollSeconds: 3600,
          maxAttempts: 3,
          retentionDays: 7,
        }),
      );
      try {
        const outbox = createOutbox(open.db);
        const ids: string[] = [];
        for (let i = 0; i < 30; i += 1) {
          const id = crypto.randomUUID();
          ids.push(id);
          await outbox.enqueue({ id, template: 'passkey-added', recipient: `user${i}@example.com`, data: { passkeyName: `Key ${i}` }, at: new Date() });
        }
        // Both pools connected before the race, so neither drainer starts late.
        await Promise.all([open.db, second].map((db) => db.query('SELECT 1')));
        const counts = [0, 0];
        drainers.forEach((d, i) => d.events.on('delivered', () => void (counts[i]! += 1)));
        await Promise.all(drainers.map((d) => d.drain()));
        await Promise.all(drainers.map((d) => d.drain()));
        const seen = smtp.received.map((m) => m.messageId);
        assert.equal(seen.length, 30, 'thirty mails, no more');
        assert.deepEqual(new Set(seen), new Set(ids.map((id) => `<${id}@example.com>`)), 'each mail once');
        assert.equal(counts[0]! + counts[1]!, 30);
      } finally {
        await Promise.all(drainers.map((d) => d.close()));
        if (second !== open.db) await second.close();
        await smtp.close();
      }
    });
  });
}
