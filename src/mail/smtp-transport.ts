import type { Transporter } from 'nodemailer';
import { MailDeliveryError, type MailTransport, type OutgoingMail } from './transport.js';
import { onceOutsideRequests } from '../common/outside-requests.js';

interface SmtpFailure {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

/**
 * SMTP through nodemailer (its one owner). A connection per delivery: the drainer sends
 * few mails, and a fresh connection recovers from an outage with nothing to reset.
 * Timeouts stay well inside the drainer's lease, so a hung server cannot make two
 * processes send the same row. nodemailer is loaded with the first mail (about 3 MB of
 * heap that a process which sends none never holds: docs/sizing.md "Memory").
 */
export function createSmtpTransport(url: string): MailTransport {
  // The latest load, so close() can reach the transporter without starting one.
  let transporter: Promise<Transporter> | undefined;
  const open = onceOutsideRequests(
    () =>
      (transporter = import('nodemailer').then(({ default: nodemailer }) =>
        nodemailer.createTransport({ url, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000 }),
      )),
  );
  const password = URL.canParse(url) ? decodeURIComponent(new URL(url).password) : '';
  return {
    kind: 'smtp',
    async deliver(mail: OutgoingMail) {
      const smtp = await open();
      try {
        await smtp.sendMail({
          from: mail.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          date: mail.date,
          // The same Message-ID on a repeated attempt lets receiving servers drop a duplicate.
          messageId: `<${mail.id}@${domainOf(mail.from)}>`,
          // RFC 3834 §5: no auto-replies (vacation notices) to a machine-sent mail.
          headers: { 'Auto-Submitted': 'auto-generated' },
        });
      } catch (err) {
        throw describe(err as SmtpFailure, password);
      }
    },
    async close() {
      (await transporter?.catch(() => undefined))?.close();
    },
  };
}

function describe(err: SmtpFailure, password: string): MailDeliveryError {
  const reason = err.responseCode ? String(err.responseCode) : (err.code ?? 'error');
  let text = (err.response ?? err.message ?? 'unknown error').split('\n')[0]!.slice(0, 300);
  if (password) text = text.split(password).join('[redacted]');
  return new MailDeliveryError(`${err.code ?? 'error'} ${reason === err.code ? '' : `${reason} `}${text}`.replace(/\s+/g, ' ').trim(), {
    reason,
    permanent: err.code === 'EENVELOPE' && (err.responseCode ?? 0) >= 500,
  });
}

function domainOf(from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  return address.split('@')[1] ?? 'localhost';
}
