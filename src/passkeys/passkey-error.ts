import { AppError } from '../common/errors.js';

export type PasskeyErrorCode =
  | 'passkey.challenge_expired'
  | 'passkey.stale_page'
  | 'passkey.needs_fresh_password'
  | 'passkey.needs_code'
  | 'passkey.invitation_dead'
  /** No account holds this credential id (and only then: the page may signal the browser to delete it). */
  | 'passkey.unknown_credential'
  /** The credential's account cannot sign in (disabled): shown like an unknown one, never signalled. */
  | 'passkey.account_unavailable'
  | 'passkey.wrong_account'
  | 'passkey.user_handle_mismatch'
  | 'passkey.not_verified'
  | 'passkey.counter_regressed'
  | 'passkey.backup_eligibility_changed'
  | 'passkey.duplicate'
  | 'passkey.attestation_unsupported'
  | 'passkey.attestation_certificate'
  | 'passkey.attestation_invalid'
  | 'passkey.authenticator_refused'
  | 'passkey.invalid';

/** A refused WebAuthn ceremony. `message` is safe to show; `code` is stable for clients and logs. */
export class PasskeyError extends AppError {
  declare readonly code: PasskeyErrorCode;
  constructor(code: PasskeyErrorCode, message: string, status = 400) {
    super(code, message, { status, expose: true });
  }
}

/** An unregistered passkey, and one of a disabled account, get these same words (not the same code). */
export const UNKNOWN_PASSKEY = 'This passkey is not registered with Latchkey.';
