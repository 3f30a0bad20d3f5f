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

/** "3 March 2025, 14:05 UTC": mails go to people in any zone, so the zone is named. */
// Made once: toLocaleDateString with options builds a new Intl formatter on every call,
// which cost about a millisecond per mail (every new-device sign-in sends one).
const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const TIME = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'UTC' });

export function formatWhen(at: Date): string {
  return `${DATE.format(at)}, ${TIME.format(at)} UTC`;
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
