import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hash } from '@node-rs/argon2';
import { hashPassword, verifyPassword } from '../../src/accounts/passwords.js';
import { checkNewPassword } from '../../src/accounts/password-policy.js';

test('argon2id at the OWASP parameters, with rehash when they change', async () => {
  const stored = await hashPassword('correct horse battery staple');
  assert.match(stored, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.deepEqual(await verifyPassword(stored, 'correct horse battery staple'), { ok: true, needsRehash: false });
  assert.deepEqual(await verifyPassword(stored, 'wrong'), { ok: false, needsRehash: false });
  const older = await hash('correct horse battery staple', { algorithm: 2, memoryCost: 8192, timeCost: 1, parallelism: 1 });
  assert.deepEqual(await verifyPassword(older, 'correct horse battery staple'), { ok: true, needsRehash: true });
  assert.deepEqual(await verifyPassword('not-a-hash', 'x'), { ok: false, needsRehash: false });
});

const policy = { minLength: 15, productName: 'Latchkey' };
const alice = { email: 'alice.liddell@example.com', name: 'Alice Liddell' };

test('a new password: at least 15 code points, at most 256, any Unicode, no composition rules (NIST SP 800-63B-4 §3.1.1.2)', async () => {
  assert.match((await checkNewPassword('short', alice, policy)) ?? '', /at least 15/);
  assert.match((await checkNewPassword('x'.repeat(300), alice, policy)) ?? '', /at most/);
  // Length counts code points: 15 emoji are 30 UTF-16 units but 15 characters.
  assert.match((await checkNewPassword('🦊🐙🌵🎈🧭'.repeat(2), alice, policy)) ?? '', /at least 15/, '10 code points are too few');
  assert.equal((await checkNewPassword('ℌello wörld ünïcødé', alice, policy)), undefined, 'any Unicode, no digits or symbols needed');
  assert.equal((await checkNewPassword('plum tundra velvet orbit', alice, policy)), undefined, 'lower-case words only is fine');
  assert.equal((await checkNewPassword('x'.repeat(200), alice, policy))?.includes('at most'), false, 'long ones are judged, not cut');
});

test('a new password is refused when common, breached or built from the email, the name or the product, saying why', async () => {
  for (const common of ['passwordpassword', 'password12345678', '123456789012345', 'qwertyuiopasdfgh', 'iloveyou12345678']) {
    assert.match((await checkNewPassword(common, alice, policy)) ?? 'accepted', /too common|easy to guess/, common);
  }
  for (const personal of ['alice.liddell@example.com1', 'AliceLiddell2024!', 'latchkeylatchkey1', 'liddell-liddell-liddell']) {
    assert.match((await checkNewPassword(personal, alice, policy)) ?? 'accepted', /email address, your name or "Latchkey"/, personal);
  }
});

test('passwords hash and verify in their NFKC form: the same password from another keyboard matches', async () => {
  const composed = 'Caf\u00e9 au lait, s\u2019il vous pla\u00eet';
  const decomposed = composed.normalize('NFD');
  assert.notEqual(composed, decomposed);
  const stored = await hashPassword(composed);
  assert.equal((await verifyPassword(stored, decomposed)).ok, true);
  assert.equal((await verifyPassword(stored, 'ＣＡＦＥ')).ok, false);
});

test('canonical email: trim, NFKC, locale-independent case fold', async () => {
  const { canonicalEmail } = await import('../../src/accounts/email.js');
  assert.equal(canonicalEmail('  Alice@Example.COM '), 'alice@example.com');
  assert.equal(canonicalEmail('ＡＬＩＣＥ@example.com'), 'alice@example.com', 'fullwidth letters fold (NFKC)');
  assert.equal(canonicalEmail('STRASSE@example.com'), canonicalEmail('straße@example.com'), 'ß folds with SS');
  assert.equal(canonicalEmail('ﬁona@example.com'), 'fiona@example.com', 'the ligature fi is two letters');
});

test('the mailbox an address delivers to: sub-address dropped, and at Gmail the dots and the second domain name', async () => {
  const { canonicalEmail, mailboxOf } = await import('../../src/accounts/email.js');
  const mailbox = (raw: string) => mailboxOf(canonicalEmail(raw));
  assert.equal(mailbox('hana+news@example.com'), 'hana@example.com');
  assert.equal(mailbox('Hana+a+b@Example.com'), 'hana@example.com', 'everything from the first +');
  assert.equal(mailbox('h.ana@example.com'), 'h.ana@example.com', 'dots count outside Gmail');
  assert.equal(mailbox('H.a.n.a+x@googlemail.com'), 'hana@gmail.com');
  assert.equal(mailbox('hana@gmail.com'), 'hana@gmail.com');
  assert.equal(mailbox('+news@example.com'), '+news@example.com', 'nothing before the +: the local part stays');
  assert.equal(mailbox('hana@sub+domain.example'), 'hana@sub+domain.example', 'a + in the domain is not a sub-address');
  assert.equal(mailbox('hana+x@bücher.example'), mailbox('hana@xn--bcher-kva.example'), 'an IDN and its ASCII form are one domain');
});

test('a plausible address: one plain address, nothing a mail header reads otherwise (RFC 5322 §3.4)', async () => {
  const { looksLikeEmail } = await import('../../src/accounts/email.js');
  for (const ok of ['alice@example.com', 'a.b+tag@sub.example.co.uk', 'jürgen@bücher.example']) assert.equal(looksLikeEmail(ok), true, ok);
  for (const bad of ['a(1)@evil.example', 'x<a@evil.example>', '"a"@b.example', 'a,b@c.example', 'a@b', 'a@b.', 'a b@c.example', 'a@b@c.example', 'a\u0000@b.example'])
    assert.equal(looksLikeEmail(bad), false, bad);
});
