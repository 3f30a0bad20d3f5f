import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hash } from '@node-rs/argon2';
import { checkPasswordPolicy, hashPassword, verifyPassword } from '../../src/accounts/passwords.js';

test('argon2id at the OWASP parameters, with rehash when they change', async () => {
  const stored = await hashPassword('correct horse battery staple');
  assert.match(stored, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.deepEqual(await verifyPassword(stored, 'correct horse battery staple'), { ok: true, needsRehash: false });
  assert.deepEqual(await verifyPassword(stored, 'wrong'), { ok: false, needsRehash: false });
  const older = await hash('correct horse battery staple', { algorithm: 2, memoryCost: 8192, timeCost: 1, parallelism: 1 });
  assert.deepEqual(await verifyPassword(older, 'correct horse battery staple'), { ok: true, needsRehash: true });
  assert.deepEqual(await verifyPassword('not-a-hash', 'x'), { ok: false, needsRehash: false });
});

test('password policy lengths', () => {
  assert.match(checkPasswordPolicy('short') ?? '', /at least 8/);
  assert.equal(checkPasswordPolicy('long enough'), undefined);
  assert.match(checkPasswordPolicy('x'.repeat(300)) ?? '', /at most/);
});

test('canonical email: trim, NFKC, locale-independent case fold', async () => {
  const { canonicalEmail } = await import('../../src/accounts/email.js');
  assert.equal(canonicalEmail('  Alice@Example.COM '), 'alice@example.com');
  assert.equal(canonicalEmail('ＡＬＩＣＥ@example.com'), 'alice@example.com', 'fullwidth letters fold (NFKC)');
  assert.equal(canonicalEmail('STRASSE@example.com'), canonicalEmail('straße@example.com'), 'ß folds with SS');
  assert.equal(canonicalEmail('ﬁona@example.com'), 'fiona@example.com', 'the ligature fi is two letters');
});
