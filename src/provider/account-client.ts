import type { ClientMetadata } from 'oidc-provider';
import { ACCOUNT_CLIENT_NAME } from '../clients/reserved-name.js';

/**
 * The built-in first-party client the account page signs in through, so the account
 * page uses the same interaction (and the same acr rules) as every relying party.
 */
export const ACCOUNT_CLIENT_ID = 'latchkey-account';

export function accountRedirectUri(issuer: string): string {
  return `${issuer}/account/callback`;
}

export function accountClientMetadata(issuer: string): ClientMetadata {
  return firstPartyClient(ACCOUNT_CLIENT_ID, ACCOUNT_CLIENT_NAME, accountRedirectUri(issuer), `${issuer}/`);
}

/**
 * A built-in first-party client of Latchkey's own pages (the account page, the admin
 * console): public with PKCE, code flow only, openid only, no consent.
 */
export function firstPartyClient(clientId: string, name: string, redirectUri: string, postLogoutUri: string): ClientMetadata {
  return {
    client_id: clientId,
    client_name: name,
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [postLogoutUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    third_party: false,
    latchkey_scopes: ['openid'],
    latchkey_resources: {},
  };
}
