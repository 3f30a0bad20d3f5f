import type { KoaContextWithOIDC } from 'oidc-provider';
import { latchkeyMetadata } from './latchkey-metadata.js';

interface ClientLike {
  clientId: string;
  metadata(): Record<string, unknown>;
}

/** The account that owns the client (an API key, clients/api-keys.ts), if any. */
export function ownerOf(client: ClientLike | undefined): string | undefined {
  return client && latchkeyMetadata(client).owner;
}

/**
 * The claims of a token issued to an API key: `sub` is the key (the client: RFC 9068
 * §2.2 makes a client-credentials token's subject the client) and `owner` the account
 * it acts for, in the JWT and in introspection alike. A resource server tells the three
 * callers apart by them: a user's sign-in (sub ≠ client_id, no owner), a user's key
 * (owner), a service (neither). Undefined for every other client.
 */
export function apiKeyClaims(ctx: KoaContextWithOIDC | undefined): { sub: string; owner: string } | undefined {
  const client = ctx?.oidc.client;
  const owner = ownerOf(client);
  return client && owner ? { sub: client.clientId, owner } : undefined;
}

/**
 * The scopes an API key may hold on a resource now: those granted to it that the
 * operator still lets users delegate there (a scope taken off the delegable list stops
 * being issued at once, whatever the key was granted). Other clients: all granted ones.
 */
export function delegatedScopes(client: ClientLike | undefined, granted: readonly string[], userDelegable: readonly string[]): readonly string[] {
  return ownerOf(client) ? granted.filter((s) => userDelegable.includes(s)) : granted;
}
