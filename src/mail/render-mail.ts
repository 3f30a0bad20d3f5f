import { renderView } from '../pages/render.js';
import { codeNotYou, mailSubject, PURPOSE_TEXT, type CodePurpose, type MailTemplate, type MailTemplates } from './templates.js';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface MailSite {
  /** The product name people know (the WebAuthn relying-party name). */
  productName: string;
  /** The issuer URL: links in mails point at its account page. */
  issuer: string;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const twoDigits = (n: number) => String(n).padStart(2, '0');

/**
 * "3 March 2025, 14:05 UTC": mails go to people in any zone, so the zone is named. One
 * fixed English form, from the UTC fields: an `Intl.DateTimeFormat` for it loads ICU's
 * date and zone data, 1.7 MB of a Latchkey process's resident size for its life (7 MB in
 * a bare Node process; docs/sizing.md "Memory"), and built per call it cost about a
 * millisecond per mail.
 */
export function formatWhen(at: Date): string {
  if (Number.isNaN(at.getTime())) throw new RangeError('Invalid time value'); // as Intl did
  return `${at.getUTCDate()} ${MONTHS[at.getUTCMonth()]} ${at.getUTCFullYear()}, ${twoDigits(at.getUTCHours())}:${twoDigits(at.getUTCMinutes())} UTC`;
}

/**
 * One mail as a plain-text body and its simple HTML alternative, both from EJS
 * (views/mail/). `at` is when it happened — the time the mail was queued, not sent, so
 * a mail delayed by an outage still tells the right time.
 */
export async function renderMail(site: MailSite, template: MailTemplate, data: Record<string, unknown>, at: Date): Promise<RenderedMail> {
  const subject = mailSubject(template, data as MailTemplates[typeof template]);
  const product = site.productName;
  const accountUrl = `${site.issuer}/account`;
  const locals = {
    ...data,
    subject,
    when: formatWhen(at),
    product,
    accountUrl,
    purposeText: PURPOSE_TEXT,
    codeNotYou: (purpose: CodePurpose) => codeNotYou(purpose, { product, accountUrl }),
    name: data.name,
    device: data.device,
    ip: data.ip,
  };
  const [text, html] = await Promise.all([
    renderView(`mail/${template}.text`, locals, { text: true }),
    renderView(`mail/${template}.html`, locals),
  ]);
  return { subject, text: tidy(text), html };
}

// EJS control lines leave blank runs behind; a plain-text mail reads better without them.
function tidy(text: string): string {
  return `${text.replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim()}\n`;
}
