import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPasswordLogin, slowDownMs } from '../../src/accounts/password-login.js';
import { hashPassword } from '../../src/accounts/passwords.js';
import type { Account, AccountsRepo } from '../../src/accounts/accounts-repo.js';
import type { AuditLog, AuditEvent } from '../../src/audit/audit-log.js';
import { createMemoryStore } from '../../src/storage/memory.js';

test('failed sign-ins slow down from the third, doubling, capped at two seconds', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 9].map(slowDownMs), [0, 0, 250, 500, 1000, 2000, 2000]);
});

test('password login: same answer for unknown and wrong, slow-down, lockout, audit, reset on success', async () => {
  const alice: Account = {
    id: 'sub-alice',
    email: 'alice@example.com',
    emailVerified: true,
    name: 'Alice',
    passwordHash: await hashPassword('correct horse battery'),
    passkeyOfferDismissedAt: null,
    createdAt: new Date(),
  };
  const accounts = { findByEmail: async (email: string) => (email.toLowerCase() === alice.email ? alice : undefined), setPasswordHash: async () => {} } as unknown as AccountsRepo;
  const events: AuditEvent[] = [];
  const audit = { record: async (e: AuditEvent) => void events.push(e) } as unknown as AuditLog;
  const ephemeral = createMemoryStore();
  const limiter = (name: string, points: number) => ephemeral.failureLimiter({ name, points, durationSeconds: 600, blockSeconds: 600 });
  const delays: number[] = [];
  const login = createPasswordLogin({ accounts, audit, byEmail: limiter('e', 5), byIp: limiter('i', 100), delay: async (ms) => void delays.push(ms) });
  const ip = '192.0.2.1';

  assert.deepEqual(await login({ email: 'nobody@example.com', password: 'whatever', ip }), { ok: false, reason: 'invalid' });
  assert.equal((await login({ email: 'alice@example.com', password: 'correct horse battery', ip })).ok, true);
  const results = [];
  for (let i = 0; i < 6; i += 1) results.push(await login({ email: 'Alice@Example.com', password: `wrong ${i}`, ip }));
  assert.deepEqual(results.map((r) => r.ok || r.reason), ['invalid', 'invalid', 'invalid', 'invalid', 'locked', 'locked']);
  assert.deepEqual(delays, [250, 500], 'the third and later failures wait longer; the locking one answers at once');
  assert.deepEqual(events.map((e) => e.type), ['login.failed', 'login.failed', 'login.failed', 'login.failed', 'account.locked']);
  const locked = await login({ email: 'alice@example.com', password: 'correct horse battery', ip });
  assert.equal(locked.ok === false && locked.reason, 'locked', 'the right password does not open a locked account');
});
