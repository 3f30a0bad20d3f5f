import type Provider from 'oidc-provider';
import type { Client, FindAccount } from 'oidc-provider';

/**
 * The only module allowed to reach inside oidc-provider: prototype overrides, payload
 * fields the engine does not know, and casts against its types. An engine upgrade has
 * this one file to check (a layering test keeps such casts out of every other file).
 */

/**
 * Replaces the engine's plain comparison with the stored `client_secret`: Latchkey keeps
 * only SHA-256 hashes, several per client during a rotation (clients/secrets.ts). The
 * engine calls `compareClientSecret` for client_secret_basic and client_secret_post.
 */
export function replaceClientSecretCheck(provider: Provider, verify: (clientId: string, secret: string) => Promise<boolean>): void {
  provider.Client.prototype.compareClientSecret = async function compareClientSecret(this: Client, actual: string) {
    return verify(this.clientId, actual);
  };
}

/**
 * The extra claims a token carries (set by extraTokenClaims). Not every token kind that
 * findAccount receives is typed with `extra`; those without it give {}.
 */
export function tokenExtra(token: Parameters<FindAccount>[2]): Record<string, unknown> {
  return token && 'extra' in token && token.extra ? token.extra : {};
}
