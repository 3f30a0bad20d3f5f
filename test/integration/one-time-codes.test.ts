import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { ATTEMPTS_PER_CODE, createOneTimeCodes, type OneTimeCodes } from '../../src/accounts/one-time-codes.js';

/** The client address codes are typed from (documentation range, RFC 5737). */
const ip = '192.0.2.10';

function testClock() {
  let now = Date.parse('2026-03-03T14:05:00Z');
  return { clock: () => new Date(now), advance: (seconds: number) => void (now += seconds * 1000) };
}

for (const backend of backends()) {
  describe(`one-time codes (${backend.name})`, () => {
    let open: OpenBackend;
    let codes: OneTimeCodes;
    const time = testClock();
    let n = 0;
    const subject = () => `acct-${++n}`;

    before(async () => {
      open = await backend.open();
      codes = createOneTimeCodes({
        db: open.db,
        clock: time.clock,
        secret: open.keyEncryptionKey,
        failures: open.ephemeral.failureLimiter({ name: `codes-${backend.name}`, points: 12, durationSeconds: 3600, blockSeconds: 3600 }),
      });
    });
    after(() => open.close());

    test('six digits from a CSPRNG, stored only as an HMAC, single use', async () => {
      const who = subject();
      const code = await codes.issue(who, 'verify-email');
      assert.match(code, /^\d{6}$/);
      const { rows } = await open.db.query<{ code_hash: string }>('SELECT code_hash FROM one_time_codes WHERE subject = $1', [who]);
      assert.equal(rows.length, 1);
      assert.ok(!rows[0]!.code_hash.includes(code));
      const fullWidth = [...code].map((d) => String.fromCodePoint(0xff10 + Number(d))).join('');
      assert.deepEqual(await codes.check(who, 'verify-email', ` ${fullWidth.slice(0, 3)} ${fullWidth.slice(3)} `, ip), { ok: true }, 'spaces and full-width digits are what people type');
      assert.deepEqual(await codes.check(who, 'verify-email', code, ip), { ok: false, reason: 'dead' }, 'used once');
    });

    test('bound to the subject and the purpose', async () => {
      const who = subject();
      const code = await codes.issue(who, 'reset-password');
      assert.equal((await codes.check(who, 'verify-email', code, ip)).ok, false);
      assert.equal((await codes.check(subject(), 'reset-password', code, ip)).ok, false);
      assert.deepEqual(await codes.check(who, 'reset-password', code, ip), { ok: true });
    });

    test('ten minutes, then dead', async () => {
      const who = subject();
      const code = await codes.issue(who, 'confirm-passkey');
      time.advance(10 * 60 + 1);
      assert.deepEqual(await codes.check(who, 'confirm-passkey', code, ip), { ok: false, reason: 'dead' });
    });

    test('a new code kills the old one, which stays dead', async () => {
      const who = subject();
      const first = await codes.issue(who, 'verify-email');
      const second = await codes.issue(who, 'verify-email');
      if (first !== second) assert.equal((await codes.check(who, 'verify-email', first, ip)).ok, false);
      assert.deepEqual(await codes.check(who, 'verify-email', second, ip), { ok: true });
    });

    test(`${ATTEMPTS_PER_CODE} wrong entries kill the code: typed right afterwards it stays dead`, async () => {
      const who = subject();
      const code = await codes.issue(who, 'reset-password');
      const wrong = code === '000000' ? '000001' : '000000';
      const answers = [];
      for (let i = 0; i < ATTEMPTS_PER_CODE; i++) answers.push(await codes.check(who, 'reset-password', wrong, ip));
      assert.deepEqual(answers.map((a) => (a.ok ? 'ok' : a.reason)), Array(ATTEMPTS_PER_CODE).fill('wrong'));
      assert.deepEqual(await codes.check(who, 'reset-password', code, ip), { ok: false, reason: 'dead' });
    });

    test('parallel guesses get no more tries than the code allows', async () => {
      // A budget far above the guesses, so only the per-code limit is in play.
      const roomy = createOneTimeCodes({
        db: open.db,
        clock: time.clock,
        secret: open.keyEncryptionKey,
        failures: open.ephemeral.failureLimiter({ name: `codes-roomy-${backend.name}`, points: 100, durationSeconds: 3600, blockSeconds: 3600 }),
      });
      const who = subject();
      const code = await roomy.issue(who, 'verify-email');
      const wrongs = Array.from({ length: 30 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'));
      const answers = await Promise.all(wrongs.map((w) => roomy.check(who, 'verify-email', w, ip)));
      assert.equal(answers.filter((a) => !a.ok && a.reason === 'wrong').length, ATTEMPTS_PER_CODE);
      assert.equal(answers.filter((a) => !a.ok && a.reason === 'dead').length, wrongs.length - ATTEMPTS_PER_CODE);
      assert.deepEqual(await roomy.check(who, 'verify-email', code, ip), { ok: false, reason: 'dead' });
    });

    test('a budget per subject and address across purposes: fresh codes do not buy fresh guesses, and another address is not held back', async () => {
      const who = subject();
      let last = '';
      let throttled = false;
      for (let round = 0; round < 5 && !throttled; round++) {
        last = await codes.issue(who, round % 2 ? 'verify-email' : 'reset-password');
        for (let i = 0; i < 3; i++) {
          const answer = await codes.check(who, round % 2 ? 'verify-email' : 'reset-password', last === '999999' ? '999998' : '999999', ip);
          if (!answer.ok && answer.reason === 'throttled') throttled = true;
        }
      }
      assert.ok(throttled, 'the budget of 12 wrong codes ran out');
      const fresh = await codes.issue(who, 'confirm-passkey');
      const answer = await codes.check(who, 'confirm-passkey', fresh, ip);
      assert.equal(answer.ok ? 'ok' : answer.reason, 'throttled', 'even the right code waits until the budget refills');
      // The owner elsewhere: a stranger's wrong codes must not lock them out (one-time-codes.ts).
      const owners = await codes.issue(who, 'reset-password');
      assert.deepEqual(await codes.check(who, 'reset-password', owners, '198.51.100.7'), { ok: true }, 'the right code from another address works');
    });

    test('codes bound to a flow: another flow for the same subject neither replaces them nor spends their tries; revokeAll ends them', async () => {
      const who = subject();
      const mine = await codes.issue(who, 'reset-password', { flow: 'flow-owner' });
      const theirs = await codes.issue(who, 'reset-password', { flow: 'flow-stranger' });
      assert.notEqual((await codes.check(who, 'reset-password', mine, ip, 'flow-stranger')).ok, true, 'not usable in another flow');
      for (let i = 0; i < ATTEMPTS_PER_CODE; i++) {
        const wrong = String((Number(theirs) + 1 + i) % 1_000_000).padStart(6, '0');
        if (wrong !== mine) await codes.check(who, 'reset-password', wrong, '203.0.113.9', 'flow-stranger');
      }
      assert.deepEqual(await codes.check(who, 'reset-password', mine, ip, 'flow-owner'), { ok: true });
      assert.deepEqual(await codes.check(who, 'reset-password', mine, ip), { ok: false, reason: 'dead' }, 'nor without its flow');

      const again = await codes.issue(who, 'reset-password', { flow: 'flow-later' });
      await codes.revokeAll(who);
      assert.deepEqual(await codes.check(who, 'reset-password', again, ip, 'flow-later'), { ok: false, reason: 'dead' });
    });

    test('links: 256 random bits, own lifetime', async () => {
      const who = subject();
      const link = await codes.issue(who, 'invite', { format: 'link', ttlSeconds: 24 * 3600 });
      assert.match(link, /^[\w-]{43}$/);
      time.advance(23 * 3600);
      assert.equal(await codes.pending(who, 'invite'), true);
      assert.deepEqual(await codes.check(who, 'invite', link, ip), { ok: true });
      assert.equal(await codes.pending(who, 'invite'), false);
    });

    test('a link can be looked at without using it up; a 6-digit code never can (no guessing oracle)', async () => {
      const who = subject();
      let link = await codes.issue(who, 'invite', { format: 'link', ttlSeconds: 24 * 3600 });
      // A token with dashes (base64url) checks as it is.
      while (!link.includes('-')) link = await codes.issue(who, 'invite', { format: 'link', ttlSeconds: 24 * 3600 });
      assert.equal(await codes.linkIsLive(who, 'invite', link), true);
      assert.equal(await codes.linkIsLive(who, 'invite', link), true, 'looking twice uses nothing up');
      assert.equal(await codes.linkIsLive(who, 'invite', `${link.slice(0, -1)}${link.endsWith('A') ? 'B' : 'A'}`), false);
      assert.equal(await codes.linkIsLive(who, 'reset-password', link), false, 'bound to the purpose');
      assert.deepEqual(await codes.check(who, 'invite', link, ip), { ok: true });
      assert.equal(await codes.linkIsLive(who, 'invite', link), false, 'used');
      const code = await codes.issue(who, 'confirm-passkey');
      assert.equal(await codes.linkIsLive(who, 'confirm-passkey', code), false, 'a digit code is never answered here');
      assert.deepEqual(await codes.check(who, 'confirm-passkey', code, ip), { ok: true });
    });
  });
}
