import type { ClientMetadata } from 'oidc-provider';
import { ADMIN_CLIENT_NAME } from '../clients/reserved-name.js';
import { firstPartyClient } from './account-client.js';

/**
 * The built-in first-party client the admin console (/admin) signs in through, so an
 * admin signs in by the same interaction, lockout and acr rules as everyone else.
 *
 * A static client of the engine's configuration (create-provider.ts `clients`), like the
 * account client: it is rebuilt from the issuer at every start, the engine finds it
 * before any stored client (so no row can take its id), and it is never in the clients
 * table, so the client lists, edits and deletions of the CLI and the admin pages cannot
 * reach it. Public (PKCE, no secret): the console redeems its codes in process
 * (admin/console/code-redemption.ts), never over the token endpoint.
 */
export const ADMIN_CLIENT_ID = 'latchkey-admin';

export function adminRedirectUri(issuer: string): string {
  return `${issuer}/admin/callback`;
}

export function adminClientMetadata(issuer: string): ClientMetadata {
  return firstPartyClient(ADMIN_CLIENT_ID, ADMIN_CLIENT_NAME, adminRedirectUri(issuer), `${issuer}/admin/signed-out`);
}
