/**
 * The name of Latchkey's own account client (provider/account-client.ts). No other
 * client may take it, nor "Latchkey" itself: a consent page naming either would pass a
 * third party off as the identity provider.
 */
export const ACCOUNT_CLIENT_NAME = 'Your Latchkey account';
/** The name of the admin console's own client (provider/admin-client.ts). */
export const ADMIN_CLIENT_NAME = 'Latchkey admin console';
const RESERVED = [ACCOUNT_CLIENT_NAME, ADMIN_CLIENT_NAME, 'Latchkey'];

// NFKC folds look-alike compatibility forms (full-width letters, ligatures); format
// characters (zero-width space and joiners) are invisible, so they are dropped too.
const fold = (name: string) =>
  name
    .normalize('NFKC')
    .replace(/\p{Cf}/gu, '')
    .trim()
    .replace(/\s+/gu, ' ')
    .toLowerCase();

export function isReservedClientName(name: string): boolean {
  const folded = fold(name);
  return RESERVED.some((reserved) => fold(reserved) === folded);
}
