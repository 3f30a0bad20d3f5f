import type { Config } from './config/config.js';
import { createRateLimits } from './pages/rate-limit.js';
import type { EphemeralStore } from './storage/ephemeral-store.js';

/**
 * Every counter that bounds guessing or cost, over the ephemeral store (shared by all
 * Latchkey processes), each with its own name so no two budgets spend each other:
 * request rates (pages/rate-limit.ts), failed client authentication, wrong one-time
 * codes, and the password budgets of accounts/password-login.ts.
 */
export function createBudgets(ephemeral: EphemeralStore, config: Config) {
  const { rateLimits, lockout } = config;
  // Per account for browsers that never signed in to it, per account and device for those
  // that did (OWASP device cookies); the first is keyed by the canonical address
  // (accounts/password-lockout.ts), which a reset clears.
  const passwordBudget = (name: string) =>
    ephemeral.failureLimiter({ name, points: lockout.attempts, durationSeconds: lockout.seconds, blockSeconds: lockout.seconds });
  return {
    limits: createRateLimits(ephemeral, rateLimits),
    clientAuthFailures: ephemeral.failureLimiter({
      name: 'client-auth',
      points: rateLimits.clientAuthFailures.points,
      durationSeconds: rateLimits.clientAuthFailures.seconds,
      blockSeconds: rateLimits.clientAuthFailures.seconds,
    }),
    // Wrong codes have their own budget, apart from passwords: a code guesser cannot lock the password out, nor the reverse.
    codeFailures: ephemeral.failureLimiter({ name: 'code-subject', points: config.codeFailuresPerHour, durationSeconds: 3600, blockSeconds: 3600 }),
    unknownDevices: passwordBudget('password-unknown-devices'),
    knownDevice: passwordBudget('password-known-device'),
    passwordIp: ephemeral.failureLimiter({ name: 'password-ip', points: lockout.ipFailuresPerHour, durationSeconds: 3600, blockSeconds: 3600 }),
  };
}
