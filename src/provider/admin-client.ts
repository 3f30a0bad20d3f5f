import type { ClientMetadata } from 'oidc-provider';
import { ADMIN_CLIENT_NAME } from '../clients/reserved-name.js';

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
  return {
    client_id: ADMIN_CLIENT_ID,
    client_name: ADMIN_CLIENT_NAME,
    redirect_uris: [adminRedirectUri(issuer)],
    post_logout_redirect_uris: [`${issuer}/admin/signed-out`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    third_party: false,
    latchkey_scopes: ['openid'],
    latchkey_resources: {},
  };
}
