import type { JsonWebKey } from 'node:crypto';
import Provider from 'oidc-provider';
import type { Client, ExternalSigningKey, FindAccount, KoaContextWithOIDC } from 'oidc-provider';
import { acrClaimsOf, type AcrClaims } from '../acr-policy.js';
import { sha256 } from '../../common/hash.js';

/** Prototype overrides and engine helpers (oidc-internals.ts): client secrets, acr, replay, routes, keys, client authentication. */

/**
 * The request the engine is handling now, from its own AsyncLocalStorage (Provider.ctx,
 * set around every engine route); undefined outside one (the CLI, sweeps). What belongs
 * to one request is kept against it (a WeakMap in adapters/read-ahead.ts, a symbol slot
 * on the request in adapters/rotation-commit.ts): a second AsyncLocalStorage would add
 * its hooks' cost to every promise of every request.
 */
export const engineRequest = (): object | undefined => (Provider as unknown as { ctx?: object }).ctx;

/**
 * Replaces the engine's plain comparison with the stored `client_secret`: Latchkey keeps
 * only SHA-256 hashes, several per client during a rotation (clients/secrets.ts). The
 * engine calls `compareClientSecret` for client_secret_basic and client_secret_post.
 */
export function replaceClientSecretCheck(provider: Provider, verify: (clientId: string, secret: string) => Promise<boolean>): void {
  // Not async: `verify` already answers with a promise (one promise fewer per client authentication).
  provider.Client.prototype.compareClientSecret = function compareClientSecret(this: Client, actual: string) {
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

/**
 * The engine copies `ctx.oidc.acr` (the session's acr) into every authorization code,
 * and from there into the ID token, access tokens, introspection and refreshed tokens.
 * Latchkey keeps the level reached on the session (the acr policy compares against it)
 * and reports, per request, what `report` decides (acr-policy.ts `reportedAcr`).
 */
export function reportAcrPerRequest(provider: Provider, report: (reached: string | undefined, acrValues: unknown, claims: AcrClaims | undefined) => string | undefined): void {
  const proto = provider.OIDCContext.prototype as object;
  const engine = Object.getOwnPropertyDescriptor(proto, 'acr')?.get;
  if (!engine) throw new Error('oidc-provider no longer defines OIDCContext#acr: check reportAcrPerRequest');
  Object.defineProperty(proto, 'acr', {
    configurable: true,
    // The request's own `claims` parameter (acr-policy.ts acrClaimsOf says why not `this.claims`).
    get(this: { params?: { acr_values?: unknown; claims?: unknown } }) {
      return report(engine.call(this) as string | undefined, this.params?.acr_values, acrClaimsOf(this.params?.claims));
    },
  });
}

/**
 * Makes the engine's replay check atomic. ReplayDetection.unique (DPoP proof `jti`s,
 * RFC 9449 §11.1; client assertion `jti`s, RFC 7523 §3) looks the id up and then saves
 * it: two processes, or two requests in one, that race on the same proof both find
 * nothing and both pass. `claim` is a single set-if-absent in the ephemeral store.
 */
export function atomicReplayDetection(provider: Provider, claim: (id: string, ttlSeconds: number) => Promise<boolean>): void {
  const ReplayDetection = provider.ReplayDetection as unknown as { unique(iss: string, jti: string, exp: number): Promise<boolean> };
  ReplayDetection.unique = async (iss, jti, exp) => {
    // `exp` is in the engine's own time base (epoch seconds of the system clock).
    const ttlSeconds = Math.max(1, exp - Math.floor(Date.now() / 1000));
    return claim(sha256(`${iss}\0${jti}`), ttlSeconds);
  };
}

interface EngineRouter {
  match(method: string, path: string): unknown;
}

// The engine keeps its router in its private per-provider store, readable only through
// this helper module; the specifier is a variable so the untyped module needs no declaration.
const ENGINE_STORE = 'oidc-provider/lib/helpers/weak_cache.js';
const engineStore = ((await import(ENGINE_STORE)) as { default: (provider: Provider) => { router?: EngineRouter } | undefined }).default;

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * The methods the engine's own routes answer on `path` (empty when it has no route
 * there), for the `Allow` header of a 405 (RFC 9110 §15.5.6). Read from the engine's
 * router, so it follows the enabled features and the configured routes.
 */
export function engineMethods(provider: Provider, path: string): string[] {
  const router = engineStore(provider)?.router;
  if (!router) throw new Error('oidc-provider keeps its router elsewhere: update engineMethods for this engine version');
  return METHODS.filter((method) => router.match(method, path) !== undefined);
}

// The engine builds its keystore and the published JWKS from `jwks` once, in its
// constructor, with this helper; both live in its private per-provider store and are
// read from there on every signature, verification and /jwks request.
const ENGINE_KEYSTORE = 'oidc-provider/lib/helpers/initialize_keystore.js';
const initializeKeystore = ((await import(ENGINE_KEYSTORE)) as { default: (this: Provider, jwks: { keys: ReadonlyArray<JsonWebKey | ExternalSigningKey> }) => void }).default;

/**
 * Replaces the running engine's signing keys without a restart (key rotation,
 * key-refresh.ts): the same validation as at construction, then the keystore and the
 * published JWKS are swapped in one synchronous step, so a request sees either the old
 * set or the new one. Per algorithm the engine signs with the first key of the set.
 */
export function replaceSigningKeys(provider: Provider, jwks: { keys: ReadonlyArray<JsonWebKey | ExternalSigningKey> }): void {
  const before = engineStore(provider) as { keystore?: unknown; jwks?: unknown } | undefined;
  if (!before?.keystore || !before.jwks) throw new Error('oidc-provider keeps its keystore elsewhere: update replaceSigningKeys for this engine version');
  initializeKeystore.call(provider, jwks);
}

/**
 * Runs `guard` just before the engine authenticates a client on `routes` (the token,
 * introspection, revocation and PAR endpoints): the engine finds the client by the id
 * the request claims (Basic header, `client_id` or the assertion's `sub`), then checks
 * its secret or assertion. A guard that throws stops the request there, before any
 * credential is checked. Later lookups in the same request (introspection finds the
 * token's client) are not guarded: the authenticated client is set by then.
 */
export function guardClientAuthentication(
  provider: Provider,
  routes: readonly string[],
  guard: (ctx: KoaContextWithOIDC, clientId: string) => Promise<void>,
): void {
  const guarded = new Set(routes);
  const Client = provider.Client as unknown as { find(id: string, ...rest: unknown[]): Promise<Client | undefined> };
  const find = Client.find.bind(Client);
  // The engine keeps the request's context in AsyncLocalStorage (Provider.ctx).
  const current = () => (provider.constructor as unknown as { ctx?: KoaContextWithOIDC }).ctx;
  // Not async: this runs on every token request, and with the engine's AsyncLocalStorage
  // every promise costs its hooks; an async function around a returned promise makes two.
  Client.find = (id, ...rest) => {
    const ctx = current();
    if (ctx?.oidc && guarded.has(ctx.oidc.route) && !ctx.oidc.entities.Client) return guard(ctx, String(id)).then(() => find(id, ...rest));
    return find(id, ...rest);
  };
}

/**
 * Whether the installed engine carries Latchkey's fix (patches/README.md, applied by
 * npm's postinstall): one `oidc` accessor on the request context's prototype instead of
 * one defined on every request. Without it everything works, but every request stays in
 * memory until the next full collection, which costs CPU and resident memory under load.
 */
export function engineHasRequestFix(provider: Provider): boolean {
  // The patch's getter, by its name: an engine that one day defines its own accessor there is not the fix.
  return Object.getOwnPropertyDescriptor(provider.context, 'oidc')?.get?.name === 'oidcFromRequestSlot';
}

// The engine's own revocation of a grant and everything issued under it, as its refresh
// grant runs it for a used token (revokeGrantPolicy, the client's grant types, the
// `grant.revoked` event).
const ENGINE_REVOKE = 'oidc-provider/lib/helpers/revoke.js';
const engineRevoke = ((await import(ENGINE_REVOKE)) as { default: (ctx: KoaContextWithOIDC, grantId: string | undefined) => Promise<void> }).default;

/** Revokes `grantId` as the engine does for a replayed refresh token (RFC 9700 §4.14.2). */
export function revokeGrant(ctx: KoaContextWithOIDC, grantId: string | undefined): Promise<void> {
  return engineRevoke(ctx, grantId);
}
