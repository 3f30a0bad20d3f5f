import { sha256 } from '../common/hash.js';
import type { FailureLimiter } from '../storage/ephemeral-store.js';
import { canonicalEmail } from './email.js';

/**
 * The key of the password-lockout counter (the `password-unknown-devices` failure limiter): the
 * canonical address, hashed, so every spelling shares one budget and the store holds no
 * addresses. password-login.ts counts under it; a password reset clears it (the owner's known browsers
 * have budgets of their own, keyed by device).
 */
export function passwordLockoutKey(email: string): string {
  return sha256(canonicalEmail(email));
}

/**
 * Clears the password-lockout counter of an address. A reset proves control of the
 * address with a mailed code (its own budget), so the owner is not kept out by a
 * stranger's guesses once they have set a new password.
 */
export function createClearPasswordLockout(byEmail: FailureLimiter): (email: string) => Promise<void> {
  return (email) => byEmail.reset(passwordLockoutKey(email));
}
