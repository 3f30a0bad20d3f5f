import { errors, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * A client gets only the scopes it was registered with. oidc-provider checks its own
 * OIDC scopes, and without a resource it silently drops API scopes; Latchkey refuses a
 * scope the client may not have with invalid_scope instead. Called where the requested
 * scope is still as sent: resource resolution (no resource given) and extraTokenClaims
 * (every access token, with or without a resource).
 */
export function assertScopesAllowed(ctx: KoaContextWithOIDC | undefined, scope: string | undefined): void {
  const client = ctx?.oidc.client;
  if (!client || !scope) return;
  const allowed = new Set((client.metadata().latchkey_scopes as string[] | undefined) ?? []);
  const refused = scope.split(' ').find((s) => s && !allowed.has(s));
  if (refused) throw new errors.InvalidScope('requested scope is not allowed', refused);
}

/** The scope a token request asked for, when it is a client-credentials request. */
export function requestedClientCredentialsScope(ctx: KoaContextWithOIDC | undefined): string | undefined {
  return ctx?.oidc.params?.grant_type === 'client_credentials' ? (ctx.oidc.params.scope as string | undefined) : undefined;
}
