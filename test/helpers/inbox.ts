import type { ParsedMail } from 'mailparser';
import type { TestSmtp } from './smtp.js';

/**
 * What arrived at the test SMTP server, taken by recipient and subject: tests wait for
 * the mail a person would open, whatever else arrived around it.
 */
export function inbox(smtp: TestSmtp) {
  const unread: ParsedMail[] = [];
  const to = (mail: ParsedMail, address: string) =>
    (Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : []).some((a) => a.value.some((v) => v.address?.toLowerCase() === address.toLowerCase()));

  async function take(address: string, subject: RegExp): Promise<ParsedMail> {
    for (;;) {
      const i = unread.findIndex((m) => to(m, address) && subject.test(m.subject ?? ''));
      if (i >= 0) return unread.splice(i, 1)[0]!;
      const next = await smtp.next();
      if (next) unread.push(next);
    }
  }

  return {
    take,
    /** The 6-digit code of the next "add a passkey" mail to `address`. */
    async passkeyCode(address: string): Promise<string> {
      const mail = await take(address, /code to add a passkey/);
      const code = /^\s+(\d{6})$/m.exec(mail.text ?? '')?.[1];
      if (!code) throw new Error(`no code in the mail: ${mail.text}`);
      return code;
    },
  };
}

export type Inbox = ReturnType<typeof inbox>;
