import type { Config } from '../config/config.js';
import type { EphemeralStore } from '../storage/ephemeral-store.js';
import { passwordLockoutKey } from './password-lockout.js';

/**
 * `latchkey user unlock`: clears the password lockout of one address, so an operator can
 * lift it after checking with its owner: the `password-unknown-devices` budget of
 * password-login.ts, keyed by the canonical address (limiters of one name share their
 * counts, so this reaches the running server's). A known browser's own budget is keyed
 * by its device and locks only that browser; it runs out by itself.
 */
export async function unlockSignIn(ephemeral: EphemeralStore, config: Pick<Config, 'lockout'>, email: string): Promise<void> {
  const unknownDevices = ephemeral.failureLimiter({
    name: 'password-unknown-devices',
    points: config.lockout.attempts,
    durationSeconds: config.lockout.seconds,
    blockSeconds: config.lockout.seconds,
  });
  await unknownDevices.reset(passwordLockoutKey(email));
}
