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
  | { readonly type: 'passkey'; readonly at: number; readonly backupEligible: boolean; readonly userVerified: boolean };

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
      // verification is itself two factors (possession + inherence/knowledge).
      const level: Acr = f.backupEligible ? 'phr' : 'phrh';
      amr.add(f.backupEligible ? 'swk' : 'hwk');
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
