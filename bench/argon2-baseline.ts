// Raw argon2id verifies per second at Latchkey's parameters, with the given concurrency,
// in its own process (the same shape as the server: verifies run on libuv's threadpool).
import { hashPassword, verifyPassword } from '../src/accounts/passwords.js';
import { measure } from './lib.js';

const concurrency = Number(process.argv[2] ?? 4);
const hash = await hashPassword('correct horse battery staple');
const { rate } = await measure('argon2id verify (m=19456, t=2, p=1)', concurrency, async () => {
  if (!(await verifyPassword(hash, 'correct horse battery staple')).ok) throw new Error('verify failed');
});
process.stdout.write(`RATE ${rate}\n`);
