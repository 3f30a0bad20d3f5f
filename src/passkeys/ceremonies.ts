import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { AuditLog } from '../audit/audit-log.js';
import type { EphemeralKv } from '../storage/ephemeral-store.js';
import { DuplicateCredentialError, type Passkey, type PasskeysRepo } from './passkeys-repo.js';
import { PasskeyError } from './passkey-error.js';

/** The one owner of `@simplewebauthn/server`: WebAuthn registration and authentication. */
export interface WebAuthnSettings {
  rpId: string;
  rpName: string;
  origins: readonly string[];
}

export interface CeremonyDeps {
  passkeys: PasskeysRepo;
  /** Challenges: single use (take = get + delete), expiring after CHALLENGE_TTL_SECONDS. */
  challenges: EphemeralKv;
  audit: AuditLog;
  webauthn: WebAuthnSettings;
  now?: () => number;
}

export const CHALLENGE_TTL_SECONDS = 5 * 60;
// COSE: ES256, EdDSA, RS256.
const ALGORITHMS = [-7, -8, -257];
const REFUSED = 'This passkey could not be verified. Try again, or use another passkey.';

/** A challenge belongs to one binding (an interaction or a session) and one ceremony type. */
export type Binding = { interaction: string } | { session: string };

/** What a verified assertion proves; provider/assurance.ts turns it into acr/amr. */
export interface PasskeyVerification {
  /** Seconds since the epoch. */
  at: number;
  backupEligible: boolean;
  userVerified: boolean;
}

function bindingKey(ceremony: 'register' | 'authenticate', binding: Binding): string {
  return 'interaction' in binding ? `${ceremony}:i:${binding.interaction}` : `${ceremony}:s:${binding.session}`;
}

export function createPasskeyCeremonies({ passkeys, challenges, audit, webauthn, now = () => Date.now() }: CeremonyDeps) {
  const expectedOrigin = [...webauthn.origins];

  async function takeChallenge(ceremony: 'register' | 'authenticate', binding: Binding): Promise<{ challenge: string; accountId?: string }> {
    const stored = await challenges.take(bindingKey(ceremony, binding));
    if (!stored) throw new PasskeyError('passkey.challenge_expired', 'This passkey request has expired. Try again.');
    return JSON.parse(stored) as { challenge: string; accountId?: string };
  }

  return {
    async registrationOptions(input: {
      binding: Binding;
      account: { id: string; email: string; name: string };
      existing: Passkey[];
    }): Promise<PublicKeyCredentialCreationOptionsJSON> {
      const options = await generateRegistrationOptions({
        rpName: webauthn.rpName,
        rpID: webauthn.rpId,
        userName: input.account.email,
        userDisplayName: input.account.name || input.account.email,
        // The user handle is the opaque sub: no personal data on the authenticator.
        userID: new TextEncoder().encode(input.account.id),
        attestationType: 'none',
        excludeCredentials: input.existing.map((p) => ({ id: p.id, transports: p.transports })),
        authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
        supportedAlgorithmIDs: ALGORITHMS,
        timeout: CHALLENGE_TTL_SECONDS * 1000,
      });
      await challenges.put(
        bindingKey('register', input.binding),
        JSON.stringify({ challenge: options.challenge, accountId: input.account.id }),
        CHALLENGE_TTL_SECONDS,
      );
      return options;
    },

    async register(input: { binding: Binding; accountId: string; response: RegistrationResponseJSON; name: string; ip?: string }): Promise<Passkey> {
      const { challenge, accountId } = await takeChallenge('register', input.binding);
      if (accountId !== input.accountId) throw new PasskeyError('passkey.challenge_expired', 'This passkey request has expired. Try again.');
      let verification;
      try {
        verification = await verifyRegistrationResponse({
          response: input.response,
          expectedChallenge: challenge,
          expectedOrigin,
          expectedRPID: webauthn.rpId,
          requireUserVerification: true, // WebAuthn §7.1 step 15
          supportedAlgorithmIDs: ALGORITHMS,
        });
      } catch {
        throw new PasskeyError('passkey.invalid', REFUSED);
      }
      if (!verification.verified) throw new PasskeyError('passkey.invalid', REFUSED);
      const info = verification.registrationInfo;
      try {
        const passkey = await passkeys.insert({
          id: info.credential.id,
          accountId: input.accountId,
          publicKey: info.credential.publicKey,
          counter: info.credential.counter,
          transports: info.credential.transports ?? [],
          aaguid: info.aaguid,
          backupEligible: info.credentialDeviceType === 'multiDevice',
          backupState: info.credentialBackedUp,
          name: input.name,
        });
        await audit.record({ type: 'passkey.added', accountId: input.accountId, ip: input.ip, detail: { passkeyId: passkey.id, backupEligible: passkey.backupEligible } });
        return passkey;
      } catch (err) {
        if (err instanceof DuplicateCredentialError) throw new PasskeyError('passkey.duplicate', err.message);
        throw err;
      }
    },

    async authenticationOptions(input: { binding: Binding; allow?: Passkey[] }): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const options = await generateAuthenticationOptions({
        rpID: webauthn.rpId,
        // Empty for discoverable sign-in; the account's passkeys for a step-up.
        allowCredentials: (input.allow ?? []).map((p) => ({ id: p.id, transports: p.transports })),
        userVerification: 'required',
        timeout: CHALLENGE_TTL_SECONDS * 1000,
      });
      await challenges.put(bindingKey('authenticate', input.binding), JSON.stringify({ challenge: options.challenge }), CHALLENGE_TTL_SECONDS);
      return options;
    },

    /**
     * Verifies an assertion. With `expectedAccountId` (step-up) the credential must be
     * that account's; without (discoverable sign-in) the account comes from the
     * credential, and the user handle must agree with it either way.
     */
    async authenticate(input: {
      binding: Binding;
      response: AuthenticationResponseJSON;
      expectedAccountId?: string;
      ip?: string;
    }): Promise<{ passkey: Passkey; verified: PasskeyVerification }> {
      const { challenge } = await takeChallenge('authenticate', input.binding);
      const passkey = typeof input.response?.id === 'string' ? await passkeys.find(input.response.id) : undefined;
      if (!passkey) throw new PasskeyError('passkey.unknown_credential', 'This passkey is not registered with Latchkey.');
      if (input.expectedAccountId && passkey.accountId !== input.expectedAccountId) {
        await audit.record({ type: 'passkey.wrong_account', accountId: input.expectedAccountId, ip: input.ip, detail: { passkeyId: passkey.id } });
        throw new PasskeyError('passkey.wrong_account', 'This passkey belongs to another account. Use a passkey of the account you are signed in with.');
      }
      // WebAuthn §7.2 step 6: the user handle, when given, must be the credential's owner;
      // a discoverable sign-in has no other way to name the user, so it must be given.
      const userHandle = input.response.response?.userHandle;
      const owner = userHandle ? Buffer.from(userHandle, 'base64url').toString('utf8') : undefined;
      if ((userHandle && owner !== passkey.accountId) || (!userHandle && !input.expectedAccountId)) {
        await audit.record({ type: 'passkey.user_handle_mismatch', accountId: passkey.accountId, ip: input.ip, detail: { passkeyId: passkey.id } });
        throw new PasskeyError('passkey.user_handle_mismatch', REFUSED);
      }
      let verification;
      try {
        verification = await verifyAuthenticationResponse({
          response: input.response,
          expectedChallenge: challenge,
          expectedOrigin,
          expectedRPID: webauthn.rpId,
          credential: { id: passkey.id, publicKey: passkey.publicKey, counter: passkey.counter, transports: passkey.transports },
          requireUserVerification: true, // WebAuthn §7.2 step 17
        });
      } catch (err) {
        // WebAuthn §7.2 step 22: a counter that does not move forward may mean a cloned authenticator.
        if (err instanceof Error && /counter/i.test(err.message)) {
          await audit.record({ type: 'passkey.counter_regressed', accountId: passkey.accountId, ip: input.ip, detail: { passkeyId: passkey.id } });
          throw new PasskeyError('passkey.counter_regressed', REFUSED);
        }
        // WebAuthn §7.2 step 17: UV is required for every Latchkey passkey sign-in.
        if (err instanceof Error && /user verification/i.test(err.message)) throw new PasskeyError('passkey.not_verified', REFUSED);
        throw new PasskeyError('passkey.invalid', REFUSED);
      }
      const info = verification.authenticationInfo;
      if (!verification.verified || !info.userVerified) throw new PasskeyError('passkey.not_verified', REFUSED);
      // The BE flag is fixed for a credential's life (WebAuthn §6.1.3); a change means
      // something is not what it claims to be, and BE decides phr vs phrh.
      if ((info.credentialDeviceType === 'multiDevice') !== passkey.backupEligible) {
        await audit.record({ type: 'passkey.backup_eligibility_changed', accountId: passkey.accountId, ip: input.ip, detail: { passkeyId: passkey.id } });
        throw new PasskeyError('passkey.backup_eligibility_changed', REFUSED);
      }
      if (!(await passkeys.recordUse(passkey.id, info.newCounter, info.credentialBackedUp))) {
        await audit.record({ type: 'passkey.counter_regressed', accountId: passkey.accountId, ip: input.ip, detail: { passkeyId: passkey.id } });
        throw new PasskeyError('passkey.counter_regressed', REFUSED);
      }
      return {
        passkey,
        verified: { at: Math.floor(now() / 1000), backupEligible: passkey.backupEligible, userVerified: info.userVerified },
      };
    },
  };
}

export type PasskeyCeremonies = ReturnType<typeof createPasskeyCeremonies>;
