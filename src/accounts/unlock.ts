import type { Config } from '../config/config.js';
import type { EphemeralStore, FailureLimiter } from '../storage/ephemeral-store.js';
import { passwordLockoutKey } from './password-lockout.js';

/**
 * The `password-unknown-devices` budget of password-login.ts, keyed by the canonical
 * address (limiters of one name share their counts, so this reaches the running
 * server's). A known browser's own budget is keyed by its device and locks only that
 * browser; it runs out by itself.
 */
function unknownDevices(ephemeral: EphemeralStore, config: Pick<Config, 'lockout'>): FailureLimiter {
  return ephemeral.failureLimiter({
    name: 'password-unknown-devices',
    points: config.lockout.attempts,
    durationSeconds: config.lockout.seconds,
    blockSeconds: config.lockout.seconds,
  });
}

/**
 * `latchkey user unlock` and the admin's unlock: clears the password lockout of one
 * address, so an operator can lift it after checking with its owner.
 */
export async function unlockSignIn(ephemeral: EphemeralStore, config: Pick<Config, 'lockout'>, email: string): Promise<void> {
  await unknownDevices(ephemeral, config).reset(passwordLockoutKey(email));
}

/** Whether password sign-in of the address is locked now, and for how many seconds more. */
export async function lockState(ephemeral: EphemeralStore, config: Pick<Config, 'lockout'>, email: string): Promise<{ locked: boolean; seconds: number; failures: boolean }> {
  const { blockedFor, failures } = await unknownDevices(ephemeral, config).check(passwordLockoutKey(email));
  return { locked: blockedFor > 0, seconds: blockedFor, failures };
}
