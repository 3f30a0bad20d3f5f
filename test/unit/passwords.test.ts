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
