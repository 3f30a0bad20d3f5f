import { errors, type AccessToken, type ClientCredentials, type KoaContextWithOIDC } from 'oidc-provider';
import { OIDC_SCOPES } from '../clients/metadata.js';
import { latchkeyMetadata } from './latchkey-metadata.js';

interface ClientLike {
  metadata(): Record<string, unknown>;
}

const split = (scope: string | undefined) => (scope ?? '').split(' ').filter(Boolean);

/**
 * The scopes of a resource granted to the client (client_resources), none when it is
 * not granted. They ride on the client's cached metadata (clients/client-directory.ts),
 * so the token endpoint reads no extra row.
 */
export function grantedScopes(client: ClientLike | undefined, indicator: string): readonly string[] {
  return (client && latchkeyMetadata(client).resources[indicator]) ?? [];
}

/**
 * Without a resource a client gets OpenID scopes only, and only those it was registered
 * with. oidc-provider silently drops API scopes there (they come with their resource,
 * RFC 8707 §2); Latchkey answers invalid_scope instead. Called from defaultResource,
 * where the requested scope is still as sent.
 */
export function assertScopesWithoutResource(ctx: KoaContextWithOIDC | undefined, scope: string | undefined): void {
  const client = ctx?.oidc.client;
  if (!client) return;
  const allowed = new Set(latchkeyMetadata(client).scopes.filter((s) => OIDC_SCOPES.includes(s)));
  const refused = split(scope).find((s) => !allowed.has(s));
  if (refused) throw new errors.InvalidScope('requested scope is not allowed', refused);
}

/**
 * Every access token as it is issued (extraTokenClaims). A client-credentials request
 * names only scopes granted to the client on its resource; and a token audienced to an
 * API carries at least one of that API's scopes, else the API would accept a token
 * that grants nothing (RFC 6749 §3.3 lets the server refuse with invalid_scope).
 */
export function assertTokenScope(ctx: KoaContextWithOIDC | undefined, token: AccessToken | ClientCredentials): void {
  const indicator = token.resourceServer?.identifier();
  if (!indicator) return;
  if (token.kind === 'ClientCredentials') {
    // What the resource offers this client now (getResourceServerInfo): its grant, and
    // for a user's API key only the delegable part of it.
    const offered = new Set(split(token.resourceServer?.scope));
    const granted = new Set(grantedScopes(ctx?.oidc.client, indicator).filter((s) => offered.has(s)));
    const refused = split(ctx?.oidc.params?.scope as string | undefined).find((s) => !granted.has(s));
    if (refused) throw new errors.InvalidScope('requested scope is not granted on this resource', refused);
  }
  if (!split(token.scope).length) throw new errors.InvalidScope('a token for this resource needs at least one of its scopes', indicator);
}

/** The scope a token request asked for, when it is a client-credentials request. */
export function requestedClientCredentialsScope(ctx: KoaContextWithOIDC | undefined): string | undefined {
  return ctx?.oidc.params?.grant_type === 'client_credentials' ? (ctx.oidc.params.scope as string | undefined) : undefined;
}
