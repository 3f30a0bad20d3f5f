/**
 * The WebAuthn user handle (`user.id`, WebAuthn §5.4.3) of an account: the UTF-8 bytes of
 * its opaque sub, no personal data (ceremonies.ts registers with exactly these bytes).
 * Base64url, as the JSON forms of the API and the L3 signal methods carry it.
 */
export function userHandleOf(accountId: string): string {
  return Buffer.from(accountId, 'utf8').toString('base64url');
}
