import type { Account } from '../accounts/accounts-repo.js';
import { authenticatorIcons, authenticatorName, type AaguidNameSource } from '../passkeys/authenticator-names.js';
import type { Passkey } from '../passkeys/passkeys-repo.js';
import { userHandleOf } from '../passkeys/user-handle.js';

/** A row of the account page's passkey list: the passkey and where it lives. */
export interface PasskeyRow extends Passkey {
  /** The provider's name from the AAGUID ("Google Password Manager"); undefined when unknown. */
  provider?: string;
  iconLight?: string;
  iconDark?: string;
}

export function passkeyRows(list: readonly Passkey[], names?: AaguidNameSource): PasskeyRow[] {
  return list.map((p) => ({ ...p, provider: authenticatorName(p.aaguid, names), ...authenticatorIcons(p.aaguid) }));
}

/**
 * What public/js/signals.js tells the browser's passkey provider on the account page
 * (WebAuthn L3 §5.1.10): the account's passkeys as they are now, so one removed here (or
 * anywhere) disappears from the password manager too, and the name and address as they
 * are now, so a changed name shows there. Only the signed-in account's own data.
 */
export interface WebAuthnSignals {
  rpId: string;
  userId: string;
  name: string;
  displayName: string;
  acceptedIds: string[];
}

export function signalsFor(rpId: string, account: Pick<Account, 'id' | 'email' | 'name'>, list: readonly Passkey[]): WebAuthnSignals {
  // name and displayName as at registration (ceremonies.ts): the address, and the name or the address.
  return { rpId, userId: userHandleOf(account.id), name: account.email, displayName: account.name || account.email, acceptedIds: list.map((p) => p.id) };
}
