import type { Config } from '../config/config.js';
import { sha256 } from '../common/hash.js';
import type { EphemeralStore } from '../storage/ephemeral-store.js';
import { canonicalEmail } from './email.js';

/**
 * `latchkey user unlock`: clears the sign-in failure counters of one address, so an
 * operator can lift a lockout after checking with its owner. Today that is the per-email
 * lockout of password-login.ts, keyed by sha256(canonicalEmail(email)) in the
 * `login-email` limiter (limiters of one name share their counts, so this one reaches
 * the counts of the running server's). Every new per-account counter belongs here too.
 */
export async function unlockSignIn(ephemeral: EphemeralStore, config: Pick<Config, 'lockout'>, email: string): Promise<void> {
  const byEmail = ephemeral.failureLimiter({
    name: 'login-email',
    points: config.lockout.attempts,
    durationSeconds: config.lockout.seconds,
    blockSeconds: config.lockout.seconds,
  });
  await byEmail.reset(sha256(canonicalEmail(email)));
}
