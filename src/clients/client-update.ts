import type { Db } from '../storage/db.js';
import { ClientInputError } from './client-input-error.js';
import { newClient, OIDC_SCOPES, validateClientInput, type AuthMethod, type ClientInput } from './metadata.js';
import { createClientsRepository } from './repository.js';

/** What `client update` may change; anything left undefined stays as it is. */
export interface ClientChange {
  name?: string;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  /** OpenID scopes only; API scopes are granted per resource. */
  scope?: string;
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/**
 * Changes a registered client under the same checks as registering it (the whole
 * client is validated again, so a change can never leave, say, an authorization_code
 * client without a redirect URI). Everything else in its metadata is kept. False: no
 * such client. A running Latchkey sees the change once its client cache expires
 * (LATCHKEY_CLIENT_CACHE_SECONDS).
 */
export async function updateClient(db: Db, clientId: string, change: ClientChange): Promise<boolean> {
  return db.transaction(async (tx) => {
    const repository = createClientsRepository(tx);
    const row = await repository.rowForUpdate(clientId);
    if (!row) return false;
    // A user's API key is its owner's to shape (account page); the operator may disable,
    // delete or revoke it, never turn it into another kind of client.
    if (row.owner_account_id) throw new ClientInputError(`${clientId} is an API key of account ${row.owner_account_id}: its owner manages it (disable or delete it instead)`);
    const m = row.metadata;
    const scope = change.scope ?? row.scopes.join(' ');
    const apiScope = change.scope?.split(/\s+/).find((s) => s && !OIDC_SCOPES.includes(s));
    if (apiScope) throw new ClientInputError(`${apiScope} is not an OpenID scope: grant API scopes with client grant-resource`);
    const input: ClientInput = {
      name: change.name ?? row.name,
      redirectUris: change.redirectUris ?? strings(m.redirect_uris),
      postLogoutRedirectUris: change.postLogoutRedirectUris ?? strings(m.post_logout_redirect_uris),
      grantTypes: strings(m.grant_types),
      scope,
      public: !row.confidential,
      thirdParty: row.third_party,
      authMethod: m.token_endpoint_auth_method as AuthMethod,
      ...(m.jwks ? { jwks: m.jwks as { keys: Array<Record<string, unknown>> } } : {}),
    };
    validateClientInput(input);
    const next = newClient(input, clientId);
    const { scope: _dropped, ...kept } = m;
    const metadata = {
      ...kept,
      client_name: next.metadata.client_name,
      redirect_uris: next.metadata.redirect_uris,
      post_logout_redirect_uris: next.metadata.post_logout_redirect_uris,
      ...(next.metadata.scope ? { scope: next.metadata.scope } : {}),
    };
    await repository.update(clientId, { name: next.name, scopes: next.scopes, metadata });
    return true;
  });
}
