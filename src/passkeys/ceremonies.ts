import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { epochSeconds, systemClock } from '../common/clock.js';
import { DuplicateCredentialError, passkeyKind, type Passkey, type PasskeysRepo } from './passkeys-repo.js';
import { PasskeyError, UNKNOWN_PASSKEY } from './passkey-error.js';
import { authenticationResponse, registrationResponse } from './response-schemas.js';
import { newPasskeyName } from './authenticator-names.js';
import { NO_TRUST } from './attestation-trust.js';
import {
  ALGORITHMS,
  bindingKey,
  CHALLENGE_TTL_SECONDS,
  ENROLMENT_HINTS,
  REFUSED,
  takeChallenge as takeChallengeFrom,
  type Binding,
  type CeremonyDeps,
  type CredentialHint,
  type PasskeyVerification,
} from './ceremony-kit.js';
import { judgeStatement, readStatement, statementRefused, type AttestationResult } from './attestation-statement.js';
import { webauthnLibrary } from './webauthn-library.js';

/** WebAuthn registration and authentication, over `@simplewebauthn/server` (webauthn-library.ts loads it). */
export type { Binding, CredentialHint, PasskeyVerification, WebAuthnSettings } from './ceremony-kit.js';

export function createPasskeyCeremonies({ passkeys, challenges, audit, webauthn, aaguidNames, trust = NO_TRUST, clock = systemClock }: CeremonyDeps) {
  const expectedOrigin = [...new Set([...webauthn.origins, ...(webauthn.relatedOrigins ?? [])])];

  const takeChallenge = (ceremony: 'register' | 'authenticate', binding: Binding) => takeChallengeFrom(challenges, ceremony, binding);

  return {
    /** Whether any attestation trust anchor is configured (else phrh is out of reach for everyone). */
    attestationConfigured: trust.configured,

    async registrationOptions(input: {
      binding: Binding;
      account: { id: string; email: string; name: string };
      existing: Passkey[];
      /** Shorter than the usual five minutes when a freshness window ends sooner. */
      ttlSeconds?: number;
    }): Promise<PublicKeyCredentialCreationOptionsJSON> {
      const ttl = Math.max(1, Math.min(CHALLENGE_TTL_SECONDS, Math.floor(input.ttlSeconds ?? CHALLENGE_TTL_SECONDS)));
      const lib = await webauthnLibrary();
      const options = await lib.generateRegistrationOptions({
        rpName: webauthn.rpName,
        rpID: webauthn.rpId,
        userName: input.account.email,
        userDisplayName: input.account.name || input.account.email,
        // The user handle is the opaque sub: no personal data on the authenticator.
        userID: new TextEncoder().encode(input.account.id),
        // WebAuthn §5.4.7: attestation only where it can count, that is with anchors to
        // judge it against; without, `none` spares people a browser prompt and a tracker.
        attestationType: trust.configured ? 'direct' : 'none',
        excludeCredentials: input.existing.map((p) => ({ id: p.id, transports: p.transports })),
        authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
        supportedAlgorithmIDs: ALGORITHMS,
        timeout: ttl * 1000,
      });
      options.hints = [...ENROLMENT_HINTS];
      await challenges.put(
        bindingKey('register', input.binding),
        JSON.stringify({ challenge: options.challenge, accountId: input.account.id }),
        ttl,
      );
      return options;
    },

    /** `response`: the browser's JSON as received; it is checked here. */
    /**
     * `beforeSave` runs once the response is verified and before the passkey is stored,
     * and may refuse: a sign-up creates its account there (a refused ceremony creates
     * nothing), an invitation link is used up there (a refused response never burns the
     * link, and a used link never stores a passkey).
     */
    // `name`: what the person typed; empty or absent: the provider's name (authenticator-names.ts).
    async register(input: { binding: Binding; accountId: string; response: unknown; name?: string; ip?: string; beforeSave?: () => Promise<void> }): Promise<Passkey> {
      const { challenge, accountId } = await takeChallenge('register', input.binding);
      if (accountId !== input.accountId) throw new PasskeyError('passkey.challenge_expired', 'This passkey request has expired. Try again.');
      const response = registrationResponse.safeParse(input.response);
      if (!response.success) throw new PasskeyError('passkey.invalid', REFUSED);
      const lib = await webauthnLibrary();
      const statement = readStatement(lib, response.data.response.attestationObject, clock());
      let verification;
      try {
        verification = await lib.verifyRegistrationResponse({
          response: response.data,
          expectedChallenge: challenge,
          expectedOrigin,
          expectedRPID: webauthn.rpId,
          requireUserVerification: true, // WebAuthn §7.1 step 15
          supportedAlgorithmIDs: ALGORITHMS,
        });
      } catch {
        throw statementRefused(statement?.fmt) ?? new PasskeyError('passkey.invalid', REFUSED);
      }
      if (!verification.verified) throw statementRefused(statement?.fmt) ?? new PasskeyError('passkey.invalid', REFUSED);
      const info = verification.registrationInfo;
      // WebAuthn §7.1 steps 21-23: a verified statement, judged against the operator's anchors.
      let attested: AttestationResult;
      try {
        attested = judgeStatement(trust, statement ?? { fmt: info.fmt, x5c: [] }, info.aaguid, clock());
      } catch (err) {
        await audit.record({ type: 'passkey.authenticator_refused', accountId: input.accountId, ip: input.ip, detail: { aaguid: info.aaguid } });
        throw err;
      }
      await input.beforeSave?.();
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
          name: newPasskeyName(input.name, info.aaguid, aaguidNames),
          attestationFormat: attested.format,
          attestationAnchor: attested.anchor?.fingerprint ?? null,
          attestationAnchorLabel: attested.anchor?.label ?? null,
        });
        const detail = { passkeyId: passkey.id, backupEligible: passkey.backupEligible, kind: passkeyKind(passkey), attestation: attested.format, anchor: attested.anchor?.label ?? null };
        await audit.record({ type: 'passkey.added', accountId: input.accountId, ip: input.ip, detail });
        return passkey;
      } catch (err) {
        if (err instanceof DuplicateCredentialError) throw new PasskeyError('passkey.duplicate', err.message);
        throw err;
      }
    },

    /** `hints`: WebAuthn L3 §5.5, e.g. `security-key` when only a hardware key can meet the bar. */
    async authenticationOptions(input: { binding: Binding; allow?: Passkey[]; hints?: CredentialHint[] }): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const options = await (await webauthnLibrary()).generateAuthenticationOptions({
        rpID: webauthn.rpId,
        // Empty for discoverable sign-in; the account's passkeys for a step-up.
        allowCredentials: (input.allow ?? []).map((p) => ({ id: p.id, transports: p.transports })),
        userVerification: 'required',
        timeout: CHALLENGE_TTL_SECONDS * 1000,
      });
      if (input.hints?.length) options.hints = [...input.hints];
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
      /** The browser's JSON as received; it is checked here. */
      response: unknown;
      expectedAccountId?: string;
      ip?: string;
    }): Promise<{ passkey: Passkey; verified: PasskeyVerification }> {
      const { challenge } = await takeChallenge('authenticate', input.binding);
      const parsed = authenticationResponse.safeParse(input.response);
      if (!parsed.success) throw new PasskeyError('passkey.invalid', REFUSED);
      const response = parsed.data;
      const passkey = await passkeys.find(response.id);
      if (!passkey) throw new PasskeyError('passkey.unknown_credential', UNKNOWN_PASSKEY);
      const refuse = async (code: 'passkey.counter_regressed' | 'passkey.backup_eligibility_changed' | 'passkey.user_handle_mismatch') => {
        await audit.record({ type: code, accountId: passkey.accountId, ip: input.ip, detail: { passkeyId: passkey.id } });
        return new PasskeyError(code, REFUSED);
      };
      if (input.expectedAccountId && passkey.accountId !== input.expectedAccountId) {
        await audit.record({ type: 'passkey.wrong_account', accountId: input.expectedAccountId, ip: input.ip, detail: { passkeyId: passkey.id } });
        throw new PasskeyError('passkey.wrong_account', 'This passkey belongs to another account. Use a passkey of the account you are signed in with.');
      }
      // WebAuthn §7.2 step 6: the user handle, when given, must be the credential's owner;
      // a discoverable sign-in has no other way to name the user, so it must be given.
      const userHandle = response.response.userHandle;
      const owner = userHandle ? Buffer.from(userHandle, 'base64url').toString('utf8') : undefined;
      if ((userHandle && owner !== passkey.accountId) || (!userHandle && !input.expectedAccountId)) throw await refuse('passkey.user_handle_mismatch');
      const lib = await webauthnLibrary();
      let verification;
      try {
        // The library checks signature, challenge, origin and RP ID. User verification
        // and the counter are judged below from the verified authenticator data, so each
        // refusal gets its own code from structured data, never from an error message.
        verification = await lib.verifyAuthenticationResponse({
          response,
          expectedChallenge: challenge,
          expectedOrigin,
          expectedRPID: webauthn.rpId,
          credential: { id: passkey.id, publicKey: passkey.publicKey, counter: 0, transports: passkey.transports },
          requireUserVerification: false,
        });
      } catch {
        throw new PasskeyError('passkey.invalid', REFUSED);
      }
      const info = verification.authenticationInfo;
      if (!verification.verified) throw new PasskeyError('passkey.invalid', REFUSED);
      // WebAuthn §7.2 step 17: UV is required for every Latchkey passkey sign-in.
      if (!info.userVerified) throw new PasskeyError('passkey.not_verified', REFUSED);
      // WebAuthn §7.2 step 22: a signature counter that does not move forward (either side
      // non-zero) may mean a cloned authenticator.
      if ((info.newCounter > 0 || passkey.counter > 0) && info.newCounter <= passkey.counter) throw await refuse('passkey.counter_regressed');
      // The BE flag is fixed for a credential's life (WebAuthn §6.1.3); a change means
      // something is not what it claims to be, and BE=1 rules out phrh.
      if ((info.credentialDeviceType === 'multiDevice') !== passkey.backupEligible) throw await refuse('passkey.backup_eligibility_changed');
      // The same rule again, atomically in the store, for two assertions racing.
      if (!(await passkeys.recordUse(passkey.id, info.newCounter, info.credentialBackedUp))) throw await refuse('passkey.counter_regressed');
      return {
        passkey,
        verified: { at: epochSeconds(clock), backupEligible: passkey.backupEligible, hardwareAttested: passkey.hardwareAttested, userVerified: info.userVerified },
      };
    },
  };
}

export type PasskeyCeremonies = ReturnType<typeof createPasskeyCeremonies>;
