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
  return {
    client_id: ACCOUNT_CLIENT_ID,
    client_name: ACCOUNT_CLIENT_NAME,
    redirect_uris: [accountRedirectUri(issuer)],
    post_logout_redirect_uris: [`${issuer}/`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    third_party: false,
    latchkey_scopes: ['openid'],
    latchkey_resources: {},
  };
}
