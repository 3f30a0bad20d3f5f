import { hash, verify } from '@node-rs/argon2';
import { withArgon2Slot } from './argon2-pool.js';
import { normalizePassword } from './password-policy.js';
import { onceOutsideRequests } from '../common/outside-requests.js';

/**
 * argon2id at the OWASP Password Storage Cheat Sheet parameters (m=19 MiB, t=2, p=1).
 * `@node-rs/argon2` declares its Algorithm as a const enum, which isolated modules
 * cannot inline, hence the literal 2 (= Argon2id).
 */
export const PASSWORD_PARAMS = Object.freeze({ algorithm: 2 as const, memoryCost: 19456, timeCost: 2, parallelism: 1 });

// NIST SP 800-63B-4 asks for at least 64; the cap only bounds hashing work per request.
export const PASSWORD_MAX_LENGTH = 256;

/**
 * Hashes the NFKC form, so the same password typed on another keyboard verifies
 * (password-policy.ts). Every hash and verify goes through the process-wide bound
 * (argon2-pool.ts): 503 beyond its queue.
 */
export function hashPassword(password: string): Promise<string> {
  return withArgon2Slot(() => hash(normalizePassword(password), PASSWORD_PARAMS));
}

export interface VerifyResult {
  ok: boolean;
  /** The hash was made with other parameters: store a fresh one while we hold the password. */
  needsRehash: boolean;
}

const CURRENT_PHC_PARAMS = `$argon2id$v=19$m=${PASSWORD_PARAMS.memoryCost},t=${PASSWORD_PARAMS.timeCost},p=${PASSWORD_PARAMS.parallelism}$`;

export async function verifyPassword(storedHash: string, password: string): Promise<VerifyResult> {
  const ok = await withArgon2Slot(async () => {
    try {
      return await verify(storedHash, normalizePassword(password));
    } catch {
      return false; // a malformed stored hash never authenticates
    }
  });
  return { ok, needsRehash: ok && !storedHash.startsWith(CURRENT_PHC_PARAMS) };
}

// A refused first hash (the pool was busy) must not stay cached as a rejection.
const dummyHash = onceOutsideRequests(() => hashPassword('latchkey-dummy-password-for-timing'));

/**
 * Same work as a real verify, for unknown emails and accounts without a password, so
 * response time does not tell whether an account exists.
 */
export async function dummyVerify(password: string): Promise<void> {
  await verifyPassword(await dummyHash(), password);
}
