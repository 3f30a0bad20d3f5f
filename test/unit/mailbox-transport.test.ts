import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createMailboxTransport, readMail } from '../../src/mail/dev-mailbox.js';
import type { OutgoingMail } from '../../src/mail/transport.js';

const mail = (id: string): OutgoingMail => ({
  id,
  template: 'new-device',
  from: 'Latchkey <no-reply@example.com>',
  to: 'alice@example.com',
  subject: 'A new sign-in',
  text: 'text',
  html: '<p>html</p>',
  date: new Date('2026-11-30T12:00:00Z'),
});

test('the mailbox makes its directory (owner only) with the first mail, and again when it was removed', async () => {
  const root = await mkdtemp(join(tmpdir(), 'latchkey-mailbox-'));
  try {
    const dir = join(root, 'mailbox');
    const transport = createMailboxTransport(dir);
    const first = '00000000-0000-4000-8000-000000000001';
    await transport.deliver(mail(first));
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.equal((await readMail(dir, first))?.to, 'alice@example.com');

    await rm(dir, { recursive: true });
    const second = '00000000-0000-4000-8000-000000000002';
    await transport.deliver(mail(second));
    assert.equal((await readMail(dir, second))?.subject, 'A new sign-in');
    // Written aside and renamed: no half-written file is left behind.
    assert.deepEqual(await readdir(dir), [`${second}.json`]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
