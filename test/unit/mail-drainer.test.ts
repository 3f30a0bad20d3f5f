import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../src/common/logger.js';
import { createMailDrainer } from '../../src/mail/drainer.js';
import type { Outbox, OutboxRow } from '../../src/mail/outbox.js';
import type { MailTransport } from '../../src/mail/transport.js';

/** A drainer over the given outbox and transport that never polls by itself. */
const drainerOver = (outbox: Outbox, transport: MailTransport) =>
  createMailDrainer({
    outbox,
    transport,
    site: { productName: 'Latchkey', issuer: 'https://id.example.com' },
    from: 'Latchkey <no-reply@example.com>',
    clock: () => new Date(),
    logger: createLogger('silent'),
    pollSeconds: 3600,
    maxAttempts: 5,
  });

// A batch is marked sent in one statement (drainer.ts): a delivered mail must be marked
// even when a later row's bookkeeping fails, or it would go out again after its lease.
test('a delivered mail is marked sent although a later row of its batch cannot be rescheduled', async () => {
  const rows: OutboxRow[] = ['m1', 'm2', 'm3'].map((id, i) => ({ id, template: 'account-deleted', recipient: `user${i}@example.com`, data: {}, attempts: 1, createdAt: new Date() }));
  let claimed = false;
  const marked: string[][] = [];
  const outbox: Outbox = {
    enqueue: async () => {},
    pruneSent: async () => 0,
    listFailed: async () => [],
    claimDue: async () => (claimed ? [] : ((claimed = true), rows)),
    markSent: async (ids: readonly string[]) => void marked.push([...ids]),
    retryAt: async () => {
      throw new Error('the database went away');
    },
    markFailed: async () => {},
  };
  const delivered: string[] = [];
  const transport: MailTransport = {
    kind: 'smtp',
    async deliver(mail) {
      if (mail.id === 'm2') throw new Error('421 try again later');
      delivered.push(mail.id);
    },
    async close() {},
  };
  const drainer = drainerOver(outbox, transport);
  const events: string[] = [];
  drainer.events.on('delivered', ({ id }) => events.push(id));
  await drainer.drain();
  await drainer.close();
  assert.deepEqual(delivered, ['m1']);
  assert.deepEqual(marked, [['m1']], 'm1 marked sent once, though m2 threw before the batch ended');
  assert.deepEqual(events, ['m1']);
});

// A sign-in wakes the drainer from inside its request (the engine's AsyncLocalStorage):
// the drain it starts, and the SMTP connection that drain may open, carry no request.
test('a drain woken from a request runs outside it', async () => {
  const { AsyncLocalStorage } = await import('node:async_hooks');
  const requests = new AsyncLocalStorage<{ path: string }>();
  let claimed = false;
  const outbox: Outbox = {
    enqueue: async () => {},
    pruneSent: async () => 0,
    listFailed: async () => [],
    claimDue: async () => (claimed ? [] : ((claimed = true), [{ id: 'm1', template: 'account-deleted', recipient: 'alice@example.com', data: {}, attempts: 1, createdAt: new Date() }])),
    markSent: async () => {},
    retryAt: async () => {},
    markFailed: async () => {},
  };
  const seen: unknown[] = [];
  let delivered!: () => void;
  const done = new Promise<void>((resolve) => (delivered = resolve));
  const drainer = drainerOver(outbox, {
    kind: 'smtp',
    async deliver() {
      seen.push(requests.getStore());
      delivered();
    },
    async close() {},
  });
  // The wake's timer does not hold the process open (unref): this one does, until the mail is out.
  const alive = setTimeout(() => {}, 30_000);
  requests.run({ path: '/interaction/abc/password' }, () => drainer.wake());
  await done;
  clearTimeout(alive);
  await drainer.close();
  assert.deepEqual(seen, [undefined]);
});
