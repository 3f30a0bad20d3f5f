import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { MailTransport, OutgoingMail } from './transport.js';

/**
 * The local mailbox of the embedded default: with no SMTP server configured, each mail
 * is a JSON file in <dataDir>/mailbox/, and /dev/mailbox lists them, so a clone signs
 * up and resets passwords offline.
 */
export interface StoredMail {
  id: string;
  template: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  date: string;
}

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);
const isLoopback = (host: string) => LOOPBACK_HOSTS.has(host.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(host);

export function mailboxDir(dataDir: string): string {
  return join(dataDir, 'mailbox');
}

/**
 * The mailbox page shows one-time codes, so it exists only where nobody else can reach
 * it: no SMTP set, Latchkey listening on loopback, and an issuer on loopback too (a
 * loopback listener behind a public reverse proxy would publish it otherwise).
 */
export function devMailboxEnabled(config: Pick<Config, 'host' | 'issuer'> & { mail: Pick<Config['mail'], 'smtpUrl'> }): boolean {
  return !config.mail.smtpUrl && isLoopback(config.host) && isLoopback(new URL(config.issuer).hostname);
}

export function createMailboxTransport(dir: string): MailTransport {
  // Made with the first mail, and again if it was removed since (the write fails then).
  let made: Promise<unknown> | undefined;
  const ensureDir = (again = false) => {
    if (!made || again) made = mkdir(dir, { recursive: true, mode: 0o700 }).catch((err: unknown) => {
      made = undefined;
      throw err;
    });
    return made;
  };
  return {
    kind: 'mailbox',
    async deliver(mail: OutgoingMail) {
      await ensureDir();
      const stored: StoredMail = {
        id: mail.id,
        template: mail.template,
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        date: mail.date.toISOString(),
      };
      // Written aside and renamed, so the page never reads half a mail.
      const file = join(dir, `${mail.id}.json`);
      const body = JSON.stringify(stored, null, 2);
      await writeFile(`${file}.tmp`, body, { mode: 0o600 }).catch(async (err: unknown) => {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        await ensureDir(true);
        await writeFile(`${file}.tmp`, body, { mode: 0o600 });
      });
      await rename(`${file}.tmp`, file);
    },
    async close() {},
  };
}

/** The newest mails first, at most `limit`. */
export async function listMailbox(dir: string, limit = 200): Promise<StoredMail[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const ids = names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)).filter((id) => ID.test(id));
  const dated = await Promise.all(ids.map(async (id) => ({ id, mtime: (await stat(join(dir, `${id}.json`))).mtimeMs })));
  const newest = dated.sort((a, b) => b.mtime - a.mtime).slice(0, limit);
  const mails = await Promise.all(newest.map((d) => readMail(dir, d.id)));
  return mails.filter((m): m is StoredMail => m !== undefined).sort((a, b) => b.date.localeCompare(a.date));
}

export async function readMail(dir: string, id: string): Promise<StoredMail | undefined> {
  if (!ID.test(id)) return undefined;
  try {
    return JSON.parse(await readFile(join(dir, `${id}.json`), 'utf8')) as StoredMail;
  } catch {
    return undefined;
  }
}
