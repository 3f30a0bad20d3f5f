import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../common/clock.js';
import type { EphemeralKv } from '../storage/ephemeral-store.js';
import type { AaguidNameSource } from './authenticator-names.js';
import type { AttestationTrust } from './attestation-trust.js';
import { PasskeyError } from './passkey-error.js';
import type { PasskeysRepo } from './passkeys-repo.js';

/** What the ceremonies (ceremonies.ts) share: their settings, bindings and challenge store. */
export interface WebAuthnSettings {
  rpId: string;
  rpName: string;
  origins: readonly string[];
  /**
   * Other origins allowed to use this RP ID (WebAuthn L3 §5.11 Related Origin Requests,
   * published at /.well-known/webauthn): their responses are accepted too.
   */
  relatedOrigins?: readonly string[];
}

export interface CeremonyDeps {
  passkeys: PasskeysRepo;
  /** Challenges: single use (take = get + delete), expiring after CHALLENGE_TTL_SECONDS. */
  challenges: EphemeralKv;
  audit: AuditLog;
  webauthn: WebAuthnSettings;
  /** Names by AAGUID from the operator's FIDO MDS, preferred over the bundled table (authenticator-names.ts). */
  aaguidNames?: AaguidNameSource;
  /** The operator's attestation anchors (DESIGN.md "Hardware"); without: none, never phrh. */
  trust?: AttestationTrust;
  clock?: Clock;
}

export const CHALLENGE_TTL_SECONDS = 5 * 60;
// COSE: ES256, EdDSA, RS256.
export const ALGORITHMS = [-7, -8, -257];
export const REFUSED = 'This passkey could not be verified. Try again, or use another passkey.';
/**
 * WebAuthn L3 `hints` (§5.4, values §5.8.7), most preferred first. Enrolment: this device's own
 * authenticator, else a phone nearby (hybrid); security keys stay possible.
 */
export const ENROLMENT_HINTS = ['client-device', 'hybrid'] as const;
export type CredentialHint = 'security-key' | 'client-device' | 'hybrid';

/** A challenge belongs to one binding (an interaction or a session) and one ceremony type. */
export type Binding = { interaction: string } | { session: string } | { invitation: string };

/** What a verified assertion proves; provider/assurance.ts turns it into acr/amr. */
export interface PasskeyVerification {
  /** Seconds since the epoch. */
  at: number;
  backupEligible: boolean;
  /** Attested by a configured anchor and not syncable (attestation-trust.ts): only this reaches phrh. */
  hardwareAttested: boolean;
  userVerified: boolean;
}

export function bindingKey(ceremony: 'register' | 'authenticate', binding: Binding): string {
  if ('interaction' in binding) return `${ceremony}:i:${binding.interaction}`;
  return 'session' in binding ? `${ceremony}:s:${binding.session}` : `${ceremony}:v:${binding.invitation}`;
}

/** Takes a ceremony's challenge: single use, so a replayed response finds none. */
export async function takeChallenge(challenges: EphemeralKv, ceremony: 'register' | 'authenticate', binding: Binding): Promise<{ challenge: string; accountId?: string }> {
  const stored = await challenges.take(bindingKey(ceremony, binding));
  if (!stored) throw new PasskeyError('passkey.challenge_expired', 'This passkey request has expired. Try again.');
  return JSON.parse(stored) as { challenge: string; accountId?: string };
}
