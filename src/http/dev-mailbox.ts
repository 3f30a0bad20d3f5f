import type { Middleware } from 'koa';
import type { PageModule } from '../pages/page-module.js';
import { renderPage } from '../pages/render.js';
import { formatWhen } from '../mail/render-mail.js';
import { listMailbox, readMail } from '../mail/dev-mailbox.js';

export const DEV_MAILBOX_PREFIX = '/dev/mailbox';

// The HTML alternative is the mail's own markup: shown sandboxed (no script, no
// requests), with the inline styles mail needs and nothing else.
const MAIL_HTML_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

/**
 * /dev/mailbox: the mails of the local dev mailbox (mail/dev-mailbox.ts), a list and
 * one mail at a time. app.ts lists this module only while devMailboxEnabled(config), so
 * elsewhere the path is not found like any other.
 */
export function devMailboxPage(dir: string): PageModule {
  const middleware: Middleware = async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    const rest = ctx.path.slice(DEV_MAILBOX_PREFIX.length).replace(/\/+$/, '');
    if (rest === '') {
      const mails = (await listMailbox(dir)).map((m) => ({ ...m, when: formatWhen(new Date(m.date)) }));
      return renderPage(ctx, 'mailbox', { title: 'Local mailbox', mails, dir, wide: true });
    }
    const match = /^\/([^/]+)(\/html)?$/.exec(rest);
    const mail = match ? await readMail(dir, match[1]!) : undefined;
    if (!mail) return next();
    if (match![2]) {
      ctx.type = 'html';
      ctx.set('Content-Security-Policy', MAIL_HTML_CSP);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = mail.html;
      return;
    }
    return renderPage(ctx, 'mailbox-mail', { title: mail.subject, mail: { ...mail, when: formatWhen(new Date(mail.date)) }, wide: true });
  };
  return { prefixes: [DEV_MAILBOX_PREFIX], middleware };
}
