import { after, before, describe } from 'node:test';
import type { ParsedMail } from 'mailparser';
import { backends, type Backend, type OpenBackend } from '../../helpers/backends.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { isLoginPage, relyingParty, submitPassword, type TestRp } from '../../helpers/rp.js';
import { startSmtp, type TestSmtp } from '../../helpers/smtp.js';
import { UserAgent, type Page } from '../../helpers/user-agent.js';
import { createAuditLog } from '../../../src/audit/audit-log.js';

export const FIREFOX_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:128.0) Gecko/20100101 Firefox/128.0';
export const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';

/**
 * The account page's shared setup, registered in the calling suite: one Latchkey that
 * mails through a real SMTP server in the test process, on a test clock, with
 * `env` on top (session limits, idle lifetime), and two relying parties.
 */
function accountSetup(backend: Backend, env: Record<string, string>) {
  let open: OpenBackend;
  let lk: TestLatchkey;
  let smtp: TestSmtp;
  let notes: TestRp;
  let calendar: TestRp;
  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);

  before(async () => {
    open = await backend.open();
    smtp = await startSmtp();
    lk = await startLatchkey(open, { LATCHKEY_SMTP_URL: smtp.url, LATCHKEY_MAIL_FROM: 'Latchkey <no-reply@example.com>', LATCHKEY_MAIL_POLL_SECONDS: '0.05', ...env }, { clock });
    notes = await relyingParty(lk, await lk.createClient({ name: 'Notes' }));
    calendar = await relyingParty(lk, await lk.createClient({ name: 'Calendar', redirectUris: ['http://localhost:8090/cb'] }));
  });
  after(async () => {
    await lk?.close();
    await smtp?.close();
    await open?.close();
  });

  /** A browser (cookie jar) that says it is `userAgent`, stopping at either app's callback. */
  function browser(userAgent = FIREFOX_MAC): UserAgent {
    const callbacks = [notes.redirectUri, calendar.redirectUri].map((u) => new URL(u));
    return new UserAgent(
      (u) => callbacks.some((c) => c.origin === u.origin && c.pathname === u.pathname),
      (url, init) => fetch(url, { ...init, headers: { ...init.headers, 'user-agent': userAgent }, redirect: 'manual' }),
    );
  }

  /** Opens the account page, signing in with the password if asked. */
  async function accountPage(ua: UserAgent, user?: { email: string; password: string }): Promise<Page> {
    let page = await ua.go(`${lk.issuer}/account`);
    if (isLoginPage(page) && user) page = await submitPassword(ua, page, user);
    return page;
  }

  /**
   * The next mail to `to` (with `subject`, when given: sign-ins from new browsers mail the
   * owner too); mails that do not match are kept for their own wait.
   */
  const pending: ParsedMail[] = [];
  async function mailTo(to: string, subject?: string): Promise<ParsedMail> {
    for (;;) {
      const i = pending.findIndex((m) => m.to && !Array.isArray(m.to) && m.to.text.includes(to) && (subject === undefined || m.subject === subject));
      if (i >= 0) return pending.splice(i, 1)[0]!;
      pending.push(await smtp.next());
    }
  }

  const auditOf = (accountId: string, type: string) => createAuditLog(open.db).list({ accountId, type });

  return {
    get open() {
      return open;
    },
    get lk() {
      return lk;
    },
    get notes() {
      return notes;
    },
    get calendar() {
      return calendar;
    },
    /** The test clock's time. */
    now: clock,
    /** Moves the test clock forward. */
    advance(seconds: number) {
      offsetMs += seconds * 1000;
    },
    browser,
    accountPage,
    mailTo,
    auditOf,
  };
}

export type AccountSuite = ReturnType<typeof accountSetup>;

/** A suite of account-page tests, run once per backend. */
export function accountSuite(name: string, fn: (s: AccountSuite) => void, env: Record<string, string> = {}): void {
  for (const backend of backends()) {
    describe(`${name} (${backend.name})`, () => fn(accountSetup(backend, env)));
  }
}

/** The form actions of the account page's "End" links and the like, in page order. */
export function links(page: Page, pattern: RegExp): string[] {
  return [...page.html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!).filter((h) => pattern.test(h));
}
