import { AppError } from '../common/errors.js';
import type { RenderedMail } from './render-mail.js';

/** One rendered mail, ready for a transport. */
export interface OutgoingMail extends RenderedMail {
  id: string;
  template: string;
  from: string;
  to: string;
  /** When it happened (queued), the Date header. */
  date: Date;
}

/** Where mail goes: SMTP (smtp-transport.ts) or the local dev mailbox (dev-mailbox.ts). */
export interface MailTransport {
  readonly kind: 'smtp' | 'mailbox';
  deliver(mail: OutgoingMail): Promise<void>;
  close(): Promise<void>;
}

/**
 * A delivery that did not go through. `message` is safe to store and show an operator:
 * the SMTP status and reply, never the mail or a credential. `permanent` is an SMTP 5xx
 * for the recipient (RFC 5321 §4.2.1: do not repeat the same request).
 */
export class MailDeliveryError extends AppError {
  readonly permanent: boolean;
  /** The short error kind for logs (ECONNECTION, EENVELOPE, 451…). */
  readonly reason: string;

  constructor(message: string, options: { reason: string; permanent?: boolean; cause?: unknown }) {
    super('mail.delivery_failed', message, { status: 502, cause: options.cause });
    this.name = 'MailDeliveryError';
    this.reason = options.reason;
    this.permanent = options.permanent ?? false;
  }
}
