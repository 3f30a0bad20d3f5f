import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPasswordLogin, slowDownMs, type PasswordLoginDeps } from '../../src/accounts/password-login.js';
import { rememberAccount } from '../../src/accounts/device-token.js';
import { hashPassword, verifyPassword } from '../../src/accounts/passwords.js';
import { checkNewPassword } from '../../src/accounts/password-policy.js';
import type { Account, AccountsRepo } from '../../src/accounts/accounts-repo.js';
import type { AuditLog, AuditEvent } from '../../src/audit/audit-log.js';
import { createMemoryStore } from '../../src/storage/memory.js';

test('failed sign-ins slow down from the third, doubling, capped at two seconds', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 9].map(slowDownMs), [0, 0, 250, 500, 1000, 2000, 2000]);
});

async function setup(points = 5) {
  const alice: Account = {
    id: 'sub-alice',
    email: 'alice@example.com',
    emailVerified: true,
    name: 'Alice',
    passwordHash: await hashPassword('correct horse battery'),
    passkeyOfferDismissedAt: null,
    createdAt: new Date(),
  };
  const accounts = { findByEmail: async (email: string) => (email.trim().toLowerCase() === alice.email ? alice : undefined), setPasswordHash: async () => {} } as unknown as AccountsRepo;
  const events: AuditEvent[] = [];
  const audit = { record: async (e: AuditEvent) => void events.push(e) } as unknown as AuditLog;
  const ephemeral = createMemoryStore();
  const limiter = (name: string, n: number) => ephemeral.failureLimiter({ name, points: n, durationSeconds: 600, blockSeconds: 600 });
  const delays: number[] = [];
  let checks = 0;
  let running = 0;
  let mostAtOnce = 0;
  const deps: PasswordLoginDeps = {
    accounts,
    audit,
    unknownDevices: limiter('u', points),
    knownDevice: limiter('k', points),
    byIp: limiter('i', 1000),
    inFlight: ephemeral.kv('check'),
    delay: async (ms) => void delays.push(ms),
    verify: async (hash, password) => {
      checks += 1;
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      try {
        return await verifyPassword(hash, password);
      } finally {
        running -= 1;
      }
    },
  };
  return { alice, events, delays, login: createPasswordLogin(deps), checks: () => checks, mostAtOnce: () => mostAtOnce };
}

const ip = '192.0.2.1';

test('password login: same answer for unknown and wrong, slow-down, lockout, audit, reset on success', async () => {
  const { login, events, delays } = await setup();
  assert.deepEqual(await login({ email: 'nobody@example.com', password: 'whatever', ip }), { ok: false, reason: 'invalid' });
  assert.equal((await login({ email: 'alice@example.com', password: 'correct horse battery', ip })).ok, true);
  const results = [];
  for (let i = 0; i < 6; i += 1) results.push(await login({ email: 'Alice@Example.com', password: `wrong ${i}`, ip }));
  assert.deepEqual(results.map((r) => r.ok || r.reason), ['invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'locked']);
  assert.deepEqual(delays, [250, 500, 1000, 2000], 'the third and later answers wait longer, locked ones too (they look alike)');
  // The unknown address is recorded too (without an account and without the address), then Alice's five and her lock.
  assert.deepEqual(events.map((e) => e.type), ['login.failed', 'login.failed', 'login.failed', 'login.failed', 'login.failed', 'login.failed', 'account.locked']);
  assert.deepEqual({ accountId: events[0]!.accountId, unknownAccount: events[0]!.detail?.unknownAccount }, { accountId: undefined, unknownAccount: true });
  assert.ok(!JSON.stringify(events[0]).includes('nobody@example.com'), 'no address in the audit log');
  const locked = await login({ email: 'alice@example.com', password: 'correct horse battery', ip });
  assert.equal(locked.ok === false && locked.reason, 'locked', 'the right password does not open a locked account');
});

test('50 parallel guesses: no more argon2 checks than the allowance, one at a time', async () => {
  const { login, checks, mostAtOnce } = await setup(5);
  const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => login({ email: 'alice@example.com', password: `guess ${i}`, ip })));
  assert.ok(answers.every((a) => !a.ok));
  assert.ok(checks() >= 1 && checks() <= 5, `${checks()} checks`);
  assert.equal(mostAtOnce(), 1, 'at most one check of the account in flight');
  const before = checks();
  const right = await login({ email: 'alice@example.com', password: 'correct horse battery', ip });
  assert.equal(right.ok, false);
  assert.equal(checks(), before, 'the refused right password was not checked either');
});

test('a known device has its own budget: a stranger locks strangers out, not the owner', async () => {
  const { login, alice, checks } = await setup(3);
  const ownerDevice = rememberAccount(undefined, alice);
  for (let i = 0; i < 5; i += 1) await login({ email: alice.email, password: `stranger ${i}`, ip: '198.51.100.7' });
  const stranger = await login({ email: alice.email, password: 'correct horse battery', ip: '198.51.100.7' });
  assert.equal(stranger.ok === false && stranger.reason, 'locked');
  const before = checks();
  assert.equal((await login({ email: alice.email, password: 'correct horse battery', ip, device: ownerDevice })).ok, true);
  assert.equal(checks(), before + 1);
  // A device cookie for another account counts as an unknown device.
  const otherDevice = rememberAccount(undefined, { id: 'sub-someone-else' });
  const other = await login({ email: alice.email, password: 'correct horse battery', ip, device: otherDevice });
  assert.equal(other.ok === false && other.reason, 'locked');
});

test("after a password change, a browser that knew the account keeps its own budget: strangers' guesses do not lock it out", async () => {
  const { login, alice } = await setup(3);
  const laptop = rememberAccount(undefined, alice);
  alice.passwordChangedAt = new Date('2026-12-02T10:00:00Z');
  for (let i = 0; i < 5; i += 1) await login({ email: alice.email, password: `stranger ${i}`, ip: '198.51.100.7' });
  assert.equal((await login({ email: alice.email, password: 'correct horse battery', ip, device: laptop })).ok, true);
});

test('a password the policy accepts signs in, though it has more UTF-16 units than PASSWORD_MAX_LENGTH', async () => {
  const { alice, login } = await setup();
  // 41 + 120 code points, 281 UTF-16 units: the policy counts code points after NFKC (password-policy.ts).
  const long = 'marble lantern drifts over seven ferries ' + '🔑🌊🚲🎻🦉🍋🧭🪁'.repeat(15);
  assert.equal(await checkNewPassword(long, { email: alice.email, name: alice.name }, { minLength: 15, productName: 'Latchkey' }), undefined, 'the policy accepts it');
  alice.passwordHash = await hashPassword(long);
  assert.equal((await login({ email: alice.email, password: long, ip })).ok, true);
  // Beyond the limit as the policy counts it: refused like any wrong password, without a lookup of the account.
  const tooLong = 'x'.repeat(257);
  alice.passwordHash = await hashPassword(tooLong);
  assert.deepEqual(await login({ email: alice.email, password: tooLong, ip }), { ok: false, reason: 'invalid' });
});
