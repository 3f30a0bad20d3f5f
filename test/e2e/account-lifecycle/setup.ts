import { after, before, describe } from 'node:test';
import type { ParsedMail } from 'mailparser';
import { backends, type Backend, type OpenBackend } from '../../helpers/backends.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { isEnrolOffer, relyingParty, startAuthorization, userAgentFor, type Started, type TestRp } from '../../helpers/rp.js';
import { startSmtp, type TestSmtp } from '../../helpers/smtp.js';
import type { Page, UserAgent } from '../../helpers/user-agent.js';

export const STRONG_PASSWORD = 'violet tractor sings beneath quiet harbours';

/**
 * The account lifecycle's shared setup, registered in the calling suite: one Latchkey
 * with sign-up open and mail going to a real SMTP server in this process, and a
 * first-party relying party. Mails are read as they arrive, by recipient.
 */
function lifecycleSetup(backend: Backend, env: Record<string, string>) {
  let open: OpenBackend;
  let lk: TestLatchkey;
  let rp: TestRp;
  let smtp: TestSmtp;
  const taken = new Set<ParsedMail>();

  before(async () => {
    open = await backend.open();
    smtp = await startSmtp();
    lk = await startLatchkey(open, {
      LATCHKEY_SMTP_URL: smtp.url,
      LATCHKEY_MAIL_FROM: 'Latchkey <no-reply@example.com>',
      LATCHKEY_SIGNUP: 'open',
      LATCHKEY_LOCKOUT_ATTEMPTS: '3',
      ...env,
    });
    rp = await relyingParty(lk, await lk.createClient({ name: 'Notes' }));
  });
  after(async () => {
    await lk?.close();
    await smtp?.close();
    await open?.close();
  });

  /**
   * The next mail to `to` that no test has read yet (with `subject` when given: sign-ins
   * from new browsers mail the owner too), waiting for it to arrive.
   */
  async function mailTo(to: string, subject?: string): Promise<ParsedMail> {
    for (;;) {
      const found = smtp.received.find(
        (m) => !taken.has(m) && m.to !== undefined && JSON.stringify(m.to).includes(to) && (subject === undefined || m.subject === subject),
      );
      if (found) {
        taken.add(found);
        return found;
      }
      await smtp.next();
    }
  }

  /** The six-digit code in a one-time-code mail. */
  function codeIn(mail: ParsedMail): string {
    const code = /^\s+(\d{6})\s*$/m.exec(mail.text ?? '')?.[1];
    if (!code) throw new Error(`no code in mail "${mail.subject}":\n${mail.text}`);
    return code;
  }

  /** How many mails were queued for `to` (the durable outbox: includes any not yet delivered). */
  async function queuedFor(to: string): Promise<number> {
    const { rows } = await open.db.query<{ n: number }>('SELECT count(*)::int AS n FROM mail_outbox WHERE recipient = $1', [to]);
    return rows[0]!.n;
  }

  /** A browser at the app's sign-in page (the hosted login page of a new authorization request). */
  async function atSignIn(extra: Record<string, string> = {}): Promise<{ ua: UserAgent; page: Page; started: Started }> {
    const ua = userAgentFor(rp);
    const started = await startAuthorization(rp, extra);
    const page = await ua.go(started.url.toString());
    return { ua, page, started };
  }

  /** Declines the passkey offer after a password step if it comes. */
  async function pastOffer(ua: UserAgent, page: Page): Promise<Page> {
    return isEnrolOffer(page) ? ua.submit(page, '/enrol/skip') : page;
  }

  return {
    get open() {
      return open;
    },
    get lk() {
      return lk;
    },
    get rp() {
      return rp;
    },
    get smtp() {
      return smtp;
    },
    mailTo,
    codeIn,
    queuedFor,
    atSignIn,
    pastOffer,
  };
}

export type LifecycleSuite = ReturnType<typeof lifecycleSetup>;

/** A suite of account-lifecycle tests, run once per backend. */
export function lifecycleSuite(name: string, fn: (s: LifecycleSuite) => void, env: Record<string, string> = {}): void {
  for (const backend of backends()) {
    describe(`${name} (${backend.name})`, () => fn(lifecycleSetup(backend, env)));
  }
}

/** The page's main text without tags, for comparing two pages as a person reads them. */
export function visibleText(page: Page): string {
  return page.html
    .replace(/<input[^>]*name="_csrf"[^>]*>/g, '')
    .replace(/\/interaction\/[\w-]+(?=["/])/g, '/interaction/UID')
    .replace(/<meta name="csrf-token"[^>]*>/g, '');
}
