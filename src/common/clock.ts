/**
 * The time source for every decision that depends on time (ceremonies, freshness,
 * lockout windows, secret expiry…). It comes in through deps so tests can move it.
 */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** Seconds since the epoch, as JWT claims and oidc-provider count time. */
export function epochSeconds(clock: Clock): number {
  return Math.floor(clock().getTime() / 1000);
}
