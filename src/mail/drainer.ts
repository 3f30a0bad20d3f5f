import { EventEmitter } from 'node:events';
import type { Clock } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import type { Outbox, OutboxRow } from './outbox.js';
import { renderMail, type MailSite } from './render-mail.js';
import { isMailTemplate } from './templates.js';
import { MailDeliveryError, type MailTransport } from './transport.js';
import { outsideRequests } from '../common/outside-requests.js';

/** What the drainer did with a row: for tests and metrics; logs say the same. */
export interface MailEvents {
  delivered: [{ id: string; template: string; attempts: number }];
  retry: [{ id: string; template: string; attempts: number; nextAttemptAt: Date }];
  failed: [{ id: string; template: string; attempts: number }];
}

export interface DrainerDeps {
  outbox: Outbox;
  transport: MailTransport;
  site: MailSite;
  /** The From header: "Latchkey <no-reply@example.com>". */
  from: string;
  clock: Clock;
  logger: Logger;
  pollSeconds: number;
  maxAttempts: number;
}

const BATCH = 20;
// How long a wake waits for more mail to drain with it: unnoticeable for a mail.
const WAKE_MS = 20;
// A claimed row is not due again for this long: well past the SMTP timeouts, so a slow
// delivery is never repeated by another process, while a crashed one's rows come back.
const LEASE_MS = 5 * 60_000;
const FIRST_RETRY_MS = 30_000;
const MAX_RETRY_MS = 60 * 60_000;

/** 30 s, 1 min, 2 min … capped at an hour: exponential backoff after the n-th attempt. */
export function backoffMs(attempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), MAX_RETRY_MS);
}

/** Logs name the mail — id, template, the recipient's domain — never its content. */
export function mailLabel(row: { id: string; template: string; recipient: string }) {
  return { id: row.id, template: row.template, to: row.recipient.slice(row.recipient.lastIndexOf('@') + 1) };
}

/**
 * The background delivery loop every Latchkey process runs: on a timer, and woken after
 * an enqueue (on a later tick, so never inside the request that queued the mail). One
 * drain at a time per process; across processes the outbox's claim keeps rows apart.
 */
export function createMailDrainer(deps: DrainerDeps) {
  const { outbox, transport, clock, logger } = deps;
  const events = new EventEmitter<MailEvents>();
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;
  let waking: NodeJS.Timeout | undefined;

  /** Delivers one row: true when it went out (to be marked sent with its batch). */
  async function deliverOne(row: OutboxRow): Promise<boolean> {
    const label = mailLabel(row);
    try {
      if (!isMailTemplate(row.template)) throw new Error(`unknown mail template ${row.template}`);
      const rendered = await renderMail(deps.site, row.template, row.data, row.createdAt);
      await transport.deliver({ ...rendered, id: row.id, template: row.template, from: deps.from, to: row.recipient, date: row.createdAt });
    } catch (err) {
      const delivery = err instanceof MailDeliveryError ? err : undefined;
      const detail = (delivery?.message ?? (err instanceof Error ? `${err.name}: ${err.message}` : String(err))).slice(0, 500);
      const reason = delivery?.reason ?? (err instanceof Error ? err.name : 'error');
      if (delivery?.permanent || row.attempts >= deps.maxAttempts) {
        await outbox.markFailed(row.id, detail);
        logger.error({ mail: label, attempts: row.attempts, reason }, 'mail could not be delivered; gave up (the outbox row stays)');
        events.emit('failed', { id: row.id, template: row.template, attempts: row.attempts });
        return false;
      }
      const nextAttemptAt = new Date(clock().getTime() + backoffMs(row.attempts));
      await outbox.retryAt(row.id, nextAttemptAt, detail);
      logger.warn({ mail: label, attempts: row.attempts, reason, nextAttemptAt }, 'mail delivery failed; will retry');
      events.emit('retry', { id: row.id, template: row.template, attempts: row.attempts, nextAttemptAt });
      return false;
    }
    return true;
  }

  async function drainOnce(): Promise<void> {
    while (!closed) {
      const now = clock();
      const batch = await outbox.claimDue(now, new Date(now.getTime() + LEASE_MS), BATCH);
      const claimedAt = Date.now();
      // Delivered rows are marked sent together, in one statement: after the batch, also
      // when a later row's bookkeeping throws, and early once half the lease is gone, so
      // no other process can take a delivered row again while this one still holds it.
      // A process that dies in between leaves them to be sent again when their lease
      // ends: at least once, as every claim is. `delivered` comes after that write, so
      // it may follow a later row's `retry` or `failed`.
      let sent: OutboxRow[] = [];
      const markSent = async () => {
        const done = sent;
        sent = [];
        await outbox.markSent(done.map((row) => row.id), clock());
        for (const row of done) {
          logger.info({ mail: mailLabel(row), attempts: row.attempts }, 'mail sent');
          events.emit('delivered', { id: row.id, template: row.template, attempts: row.attempts });
        }
      };
      try {
        for (const row of batch) {
          if (await deliverOne(row)) sent.push(row);
          if (Date.now() - claimedAt > LEASE_MS / 2) await markSent();
        }
      } finally {
        await markSent();
      }
      if (batch.length < BATCH) return;
    }
  }

  /** Runs a drain now, or right after the one in progress. Resolves when done. */
  function drain(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await drainOnce().catch((err: unknown) => logger.warn({ err }, 'mail outbox drain failed'));
        } while (again && !closed);
      } finally {
        running = undefined;
      }
    })();
    return running;
  }

  const timer = setInterval(() => void drain(), deps.pollSeconds * 1000);
  timer.unref();

  return {
    events,
    drain,
    /**
     * Asks for a drain shortly, after the caller's response. Wakes within WAKE_MS share
     * one drain, so under load one claim and one "sent" statement serve many mails.
     */
    wake() {
      if (closed || waking) return;
      // Woken from a request: the drain (its statements, an SMTP connection) must not carry or keep that request.
      waking = outsideRequests(() =>
        setTimeout(() => {
          waking = undefined;
          void drain();
        }, WAKE_MS),
      );
      waking.unref();
    },
    async close() {
      closed = true;
      clearInterval(timer);
      clearTimeout(waking);
      await running;
      await transport.close();
    },
  };
}

export type MailDrainer = ReturnType<typeof createMailDrainer>;
