/** A refused WebAuthn ceremony. `message` is safe to show; `code` is stable for clients and logs. */
export class PasskeyError extends Error {
  readonly status = 400;
  readonly expose = true;
  constructor(
    readonly code:
      | 'passkey.challenge_expired'
      | 'passkey.unknown_credential'
      | 'passkey.wrong_account'
      | 'passkey.user_handle_mismatch'
      | 'passkey.not_verified'
      | 'passkey.counter_regressed'
      | 'passkey.backup_eligibility_changed'
      | 'passkey.duplicate'
      | 'passkey.invalid',
    message: string,
  ) {
    super(message);
    this.name = 'PasskeyError';
  }
}
