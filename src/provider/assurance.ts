import { z } from 'zod';

/**
 * The one place acr/amr are decided (DESIGN.md "Assurance"). Every login result is
 * computed here from the factors verified for the identified account, and nowhere else.
 */
export type Acr = 'pwd' | 'phr' | 'phrh';

/** Ordered weakest first; discovery publishes this list as acr_values_supported. */
export const ACR_VALUES: readonly Acr[] = ['pwd', 'phr', 'phrh'];

export type Factor =
  | { readonly type: 'pwd'; readonly at: number }
  // WebAuthn §6.1 flags: BE (backup eligible) = the credential can be synced.
  // hardwareAttested: its attestation chained to an operator's trust anchor and BE = 0
  // (passkeys/attestation-trust.ts); the authenticator's own claims never make it true.
  | {
      readonly type: 'passkey';
      readonly at: number;
      readonly backupEligible: boolean;
      readonly hardwareAttested: boolean;
      readonly userVerified: boolean;
    };

export interface Assurance {
  acr: Acr;
  amr: string[];
  /** auth_time: seconds since the epoch of the most recent factor. */
  ts: number;
}

export function acrRank(acr: string): number {
  return ACR_VALUES.indexOf(acr as Acr);
}

export function assuranceFor(factors: readonly Factor[]): Assurance {
  if (factors.length === 0) throw new Error('assurance needs at least one verified factor');
  const amr = new Set<string>();
  let acr: Acr = 'pwd';
  for (const f of factors) {
    if (f.type === 'pwd') {
      amr.add('pwd');
    } else if (f.userVerified) {
      // RFC 8176: swk/hwk = software-/hardware-secured key; the passkey with user
      // verification is itself two factors (possession + inherence/knowledge). Hardware
      // is claimed only where an attestation proved it (DESIGN.md "Hardware"): a BE=0
      // flag alone is the authenticator's word, so it stays phr/swk.
      const hardware = f.hardwareAttested && !f.backupEligible;
      const level: Acr = hardware ? 'phrh' : 'phr';
      amr.add(hardware ? 'hwk' : 'swk');
      amr.add('mfa');
      if (acrRank(level) > acrRank(acr)) acr = level;
    }
  }
  if (amr.size === 0) throw new Error('no factor with user verification');
  const order = ['pwd', 'swk', 'hwk', 'mfa'];
  return {
    acr,
    amr: [...amr].sort((a, b) => order.indexOf(a) - order.indexOf(b)),
    ts: Math.max(...factors.map((f) => f.at)),
  };
}

/**
 * How recent a factor must be for sensitive changes (DESIGN.md "Enrol a passkey": the
 * first passkey needs a password sign-in from the last few minutes; later changes a
 * fresh passkey). The one freshness window in Latchkey.
 */
export const FRESH_SECONDS = 5 * 60;

/** Whether `factor` was verified within `seconds` before `now` (seconds since the epoch). */
export function isFresh(factor: Factor, seconds: number, now: number): boolean {
  return now - factor.at <= seconds;
}

/**
 * The binding rule for changing an account's passkeys outside a sign-in (DESIGN.md
 * "Binding"): with a passkey on the account, a passkey verified within FRESH_SECONDS;
 * without one, a password verified within FRESH_SECONDS. Returns what is missing.
 */
export function passkeyChangeNeeds(factors: readonly Factor[], hasPasskey: boolean, now: number): 'password' | 'passkey' | undefined {
  const needed = hasPasskey ? 'passkey' : 'pwd';
  if (factors.some((f) => f.type === needed && isFresh(f, FRESH_SECONDS, now))) return undefined;
  return hasPasskey ? 'passkey' : 'password';
}

const storedFactor = z.discriminatedUnion('type', [
  z.object({ type: z.literal('pwd'), at: z.number().int() }),
  // Factors stored before attestation was judged have no hardwareAttested: false, the safe direction.
  z.object({ type: z.literal('passkey'), at: z.number().int(), backupEligible: z.boolean(), hardwareAttested: z.boolean().default(false), userVerified: z.boolean() }),
]);

/**
 * The factors a Latchkey session holds, each with its own time, as finish.ts wrote
 * them. Anything else (a session from before factors were kept, a damaged payload)
 * yields none: nothing counts as fresh and nothing is carried into a step-up, which
 * is the safe direction.
 */
export function factorsOfSession(stored: unknown): Factor[] {
  const parsed = z.array(storedFactor).safeParse(stored);
  return parsed.success ? parsed.data : [];
}
