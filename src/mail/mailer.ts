import { randomUUID } from 'node:crypto';
import { AppError } from '../common/errors.js';
import type { Config } from '../config/config.js';
import type { Db } from '../storage/db.js';
import { createMailboxTransport, mailboxDir } from './dev-mailbox.js';
import { createMailDrainer, mailLabel, type DrainerDeps } from './drainer.js';
import { createOutbox } from './outbox.js';
import { createSmtpTransport } from './smtp-transport.js';
import { isMailTemplate, type MailData, type MailTemplate } from './templates.js';
import type { MailTransport } from './transport.js';

export interface MailRequest<T extends MailTemplate> {
  to: string;
  template: T;
  data: MailData<T>;
}

export interface MailerDeps extends Omit<DrainerDeps, 'outbox'> {
  db: Db;
  retentionDays: number;
}

// A recipient comes from an account's stored address; anything that could split a
// header or name two recipients is a bug upstream, not something to send.
const ADDRESS = /^[^\s@<>,;"()\\]+@[^\s@<>,;"()\\]+$/;

/**
 * Latchkey's mail, for the flows (sign-up, reset, one-time codes, passkey notices):
 * `send` is one INSERT into the outbox and returns; a background drainer delivers.
 */
export function createMailer(deps: MailerDeps) {
  const outbox = createOutbox(deps.db);
  const drainer = createMailDrainer({ ...deps, outbox });

  return {
    /** Where mail goes: 'smtp', or 'mailbox' (the local dev mailbox). */
    kind: deps.transport.kind,
    events: drainer.events,

    async send<T extends MailTemplate>(mail: MailRequest<T>): Promise<{ id: string }> {
      if (!isMailTemplate(mail.template)) throw new AppError('mail.unknown_template', `no mail template ${String(mail.template)}`, { status: 500 });
      if (!ADDRESS.test(mail.to)) throw new AppError('mail.bad_recipient', 'not a single plain email address', { status: 500 });
      const row = { id: randomUUID(), template: mail.template, recipient: mail.to, data: { ...mail.data }, at: deps.clock() };
      await outbox.enqueue(row);
      deps.logger.info({ mail: mailLabel(row) }, 'mail queued');
      drainer.wake();
      return { id: row.id };
    },

    /** Delivers what is due now (the timer does this too); resolves when done. */
    drain: () => drainer.drain(),

    /** For the periodic sweep: sent rows past the retention. Failed rows stay. */
    prune: () => outbox.pruneSent(new Date(deps.clock().getTime() - deps.retentionDays * 86_400_000)),

    listFailed: () => outbox.listFailed(),

    close: () => drainer.close(),
  };
}

export type Mailer = ReturnType<typeof createMailer>;

/** The transport the configuration asks for: SMTP when set, else the local mailbox. */
export function mailTransportFor(config: Config): MailTransport {
  return config.mail.smtpUrl ? createSmtpTransport(config.mail.smtpUrl) : createMailboxTransport(mailboxDir(config.dataDir));
}

/** The mailer the configuration asks for: its transport, sender, site and delivery schedule. */
export function mailerFor(config: Config, deps: Pick<MailerDeps, 'db' | 'clock' | 'logger'>): Mailer {
  return createMailer({
    ...deps,
    transport: mailTransportFor(config),
    site: mailSiteOf(config),
    from: config.mail.from,
    pollSeconds: config.mail.pollSeconds,
    maxAttempts: config.mail.maxAttempts,
    retentionDays: config.mail.retentionDays,
  });
}

/** What every mail says of the site: the product name and where it lives. */
export function mailSiteOf(config: Config) {
  return { productName: config.webauthn.rpName, issuer: config.issuer };
}
