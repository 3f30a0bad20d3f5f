import { cookieSigner } from '../common/cookie-keys.js';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/config.js';
import type { Adapters } from '../adapters/index.js';
import type { AccountsRepo } from '../accounts/accounts-repo.js';
import type { ClientDirectory } from '../clients/client-directory.js';
import type { LastUsedRecorder } from '../clients/last-used.js';
import { apiKeyClaims, delegatedScopes } from './api-key-claims.js';
import { assertScopesWithoutResource, assertTokenScope, grantedScopes, requestedClientCredentialsScope } from './scope-policy.js';
import { isReservedClientName } from '../clients/reserved-name.js';
import { renderPage } from '../pages/render.js';
import {
  absoluteSessionTtl,
  atomicReplayDetection,
  keepSessionFactors,
  keepSessionMeta,
  replaceClientSecretCheck,
  reuseClientInstances,
  reportAcrPerRequest,
} from './oidc-internals.js';
import type { AccountModels } from '../adapters/account-models.js';
import type { AuditLog } from '../audit/audit-log.js';
import { createSessionEnding } from './session-ending.js';
import { ACR_VALUES } from './assurance.js';
import { createInteractionPolicy, reportedAcr } from './acr-policy.js';
import { accountClientMetadata } from './account-client.js';
import { adminClientMetadata } from './admin-client.js';
import { CLAIMS, createFindAccount } from './find-account.js';
import { OIDC_SCOPES } from '../clients/metadata.js';
import { errorText } from './error-texts.js';
import { assertWithinLimit, paramLimitValidators } from './request-limits.js';
import type { KeyMaterial } from './keys.js';
import { ID_TOKEN_TTL_SECONDS } from './token-lifetimes.js';
import type { EphemeralKv } from '../storage/ephemeral-store.js';
import { metadataOf, type ClientLike } from './client-fields.js';
import { engineSigningKeys } from './local-signing-keys.js';

export interface ProviderDeps {
  config: Config;
  adapters: Adapters;
  accounts: AccountsRepo;
  keys: KeyMaterial;
  directory: ClientDirectory;
  lastUsed: LastUsedRecorder;
  /** Where seen DPoP proofs and client assertions are marked (the ephemeral store). */
  replayMarks: EphemeralKv;
  clock: () => Date;
  /** An account's sessions and grants (the session limit ends the oldest). */
  accountModels: AccountModels;
  audit: AuditLog;
}

// A client may introspect the tokens issued to itself; a client registered as a
// resource server (can_introspect) any token of a client that is still enabled.
// Everything else reads `active: false` (RFC 7662 §4).
async function introspectionAllowed(ctx: KoaContextWithOIDC, client: ClientLike & { clientId: string }, token: { clientId?: string }) {
  if (token.clientId === client.clientId) return true;
  if (metadataOf(client).can_introspect !== true || !token.clientId) return false;
  return Boolean(await ctx.oidc.provider.Client.find(token.clientId));
}

// Set by Latchkey's own tables, never by a client registering itself.
const LATCHKEY_METADATA = ['third_party', 'latchkey_scopes', 'latchkey_resources', 'can_introspect', 'latchkey_owner'];

export function createProvider({ config, adapters, accounts, keys, directory, lastUsed, replayMarks, clock, accountModels, audit }: ProviderDeps): Provider {
  const configuration: Configuration = {
    adapter: adapters.factory,
    clients: [accountClientMetadata(config.issuer), adminClientMetadata(config.issuer)],
    findAccount: createFindAccount(accounts, adapters.readAhead, audit),
    jwks: engineSigningKeys(keys.jwks),
    cookies: {
      keys: cookieSigner(keys.cookieKeys),
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    claims: CLAIMS,
    // Bounded input: over-long authorization parameters get invalid_request (request-limits.ts).
    extraParams: paramLimitValidators(),
    scopes: [...OIDC_SCOPES],
    acrValues: [...ACR_VALUES],
    responseTypes: ['code'],
    // RFC 9700 §2.1.1: PKCE for every client, confidential ones too; only S256 exists in v9.
    pkce: { required: () => true },
    // ES256 unless a client registers id_token_signed_response_alg=RS256 (the spec default).
    clientDefaults: {
      grant_types: ['authorization_code'],
      id_token_signed_response_alg: 'ES256',
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    enabledJWA: {
      idTokenSigningAlgValues: ['ES256', 'RS256'],
      userinfoSigningAlgValues: ['ES256', 'RS256'],
      introspectionSigningAlgValues: ['ES256', 'RS256'],
      authorizationSigningAlgValues: ['ES256', 'RS256'],
      requestObjectSigningAlgValues: ['ES256', 'RS256', 'PS256', 'EdDSA'],
      clientAuthSigningAlgValues: ['ES256', 'RS256', 'PS256', 'EdDSA'],
    },
    extraClientMetadata: {
      properties: LATCHKEY_METADATA,
      validator(ctx, key, value, metadata) {
        if (ctx?.oidc?.route !== 'registration') return;
        if (value !== undefined) throw new errors.InvalidClientMetadata(`${key} cannot be registered`);
        // Once per registration (the validator runs for each property, set or not).
        if (key === LATCHKEY_METADATA[0] && isReservedClientName(String(metadata.client_name ?? ''))) {
          throw new errors.InvalidClientMetadata('client_name is reserved for Latchkey itself');
        }
      },
    },
    features: {
      devInteractions: { enabled: false },
      // Keys that sign in the process without WebCrypto's thread-pool round (local-signing-keys.ts).
      externalSigningSupport: { enabled: true, ack: 'experimental-01' },
      claimsParameter: { enabled: true },
      introspection: { enabled: true, allowedPolicy: introspectionAllowed },
      clientCredentials: { enabled: true },
      // RFC 9126: pushed authorization requests, optional for every client.
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
      // RFC 9449: sender-constrained tokens. A proof always needs a fresh server nonce
      // (§8 at the token endpoint, §9 at userinfo), so a proof made in advance is useless;
      // replayed proofs are caught by the ReplayDetection model in the ephemeral store.
      dPoP: { enabled: true, nonceSecret: keys.dpopNonceSecret, requireNonce: () => true },
      // RFC 8707: a client gets tokens only for a resource granted to it, audienced to
      // it, with only the scopes granted there (client_resources), and a JWT (RFC 9068,
      // typ at+jwt, ES256) unless the resource says opaque. Any other resource is
      // invalid_target (RFC 8707 §2), at the authorization and the token endpoint alike.
      resourceIndicators: {
        enabled: true,
        async defaultResource(ctx, _client, oneOf) {
          // Runs before oidc-provider drops API scopes from a request without a resource.
          assertScopesWithoutResource(ctx, requestedClientCredentialsScope(ctx));
          return oneOf;
        },
        useGrantedResource: async () => true,
        async getResourceServerInfo(_ctx, indicator, client) {
          assertWithinLimit('resource', indicator);
          const granted = grantedScopes(client, indicator);
          const resource = granted.length ? await directory.resource(indicator) : undefined;
          // A user's API key: only what the operator lets users delegate (api-key-claims.ts).
          const allowed = resource ? delegatedScopes(client, granted, resource.userDelegableScopes) : [];
          const scopes = resource?.scopes.filter((s) => allowed.includes(s)) ?? [];
          if (!resource || !scopes.length) throw new errors.InvalidTarget('resource indicator is not registered for this client');
          return {
            scope: scopes.join(' '),
            audience: resource.indicator,
            accessTokenTTL: resource.accessTokenTtl,
            accessTokenFormat: resource.tokenFormat,
            ...(resource.tokenFormat === 'jwt' ? { jwt: { sign: { alg: 'ES256' as const } } } : {}),
          };
        },
      },
      // RFC 7591 only when an initial access token is configured.
      registration: config.initialAccessToken
        ? { enabled: true, initialAccessToken: config.initialAccessToken }
        : { enabled: false },
      // The default revocation policy already refuses (invalid_request) another client's token.
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          await renderPage(ctx, 'logout', { title: 'Sign out', form, clientName: ctx.oidc.client?.clientName });
        },
        async postLogoutSuccessSource(ctx) {
          // Reached only without a post_logout_redirect_uri (with one, oidc-provider
          // redirects), and it names the client only after "stay signed in" (signed out
          // of that app alone). The page links back to the app at an address its
          // registration names (client_uri, else its first post-logout URI), never one
          // from the request.
          const client = ctx.oidc.client;
          const appUrl = [client?.clientUri, ...(client?.postLogoutRedirectUris ?? [])].find((u) => u && /^https?:\/\//i.test(u));
          await renderPage(ctx, 'logged-out', { title: 'Signed out', clientName: client?.clientName, appUrl });
        },
      },
    },
    // From the issuer, never from the request's Host.
    interactions: { url: (_ctx, interaction) => new URL(`/interaction/${interaction.uid}`, config.issuer).href, policy: createInteractionPolicy() },
    // The sign-in's strength travels with user tokens: JWT access tokens and
    // introspection carry acr, amr and auth_time, so resource servers can apply RFC 9470.
    async extraTokenClaims(ctx, token) {
      assertTokenScope(ctx, token);
      if (!('accountId' in token) || !token.accountId) return apiKeyClaims(ctx);
      const source = ctx?.oidc.entities.AuthorizationCode ?? ctx?.oidc.entities.RefreshToken;
      if (!source?.acr) return undefined;
      return { acr: source.acr, amr: source.amr, auth_time: source.authTime };
    },
    rotateRefreshToken: true,
    ttl: {
      AccessToken: config.ttl.accessToken,
      AuthorizationCode: 60,
      IdToken: ID_TOKEN_TTL_SECONDS,
      Interaction: 30 * 60,
      Session: absoluteSessionTtl(config.ttl.session),
      Grant: config.ttl.refreshToken,
      RefreshToken: config.ttl.refreshToken,
      ClientCredentials: config.ttl.accessToken,
    },
    async renderError(ctx, out) {
      await renderPage(ctx, 'error', { title: 'Sign-in problem', code: out.error, message: errorText(out.error) }, ctx.status);
    },
  };

  const provider = new Provider(config.issuer, configuration);
  // Koa reads X-Forwarded-Host/-Proto only with `proxy`; http/client-ip.ts has already
  // removed them from requests whose peer is not a trusted proxy.
  provider.proxy = config.trustedProxies.kind !== 'none';

  // Client secrets live only as SHA-256 hashes, several per client during a rotation
  // (clients/secrets.ts matchSecret compares every live one in constant time).
  replaceClientSecretCheck(provider, (clientId, secret) => {
    const now = clock();
    return directory.verifySecret(clientId, secret, now).then((secretId) => {
      if (secretId) lastUsed.used(secretId, now);
      return Boolean(secretId);
    });
  });

  // Without the directory's cache every lookup is a fresh row: nothing to keep.
  if (config.clientCacheSeconds > 0) reuseClientInstances(provider);
  keepSessionFactors(provider);
  const ending = createSessionEnding({ provider, models: accountModels, audit });
  const maxSessions = config.sessions.maxPerAccount;
  keepSessionMeta(provider, {
    now: () => Math.floor(clock().getTime() / 1000),
    idleSeconds: config.sessions.idleSeconds,
    onSignedIn: async ({ accountId, uid }) => {
      if (maxSessions) await ending.enforceLimit(accountId, uid, maxSessions);
    },
  });
  reportAcrPerRequest(provider, reportedAcr);
  atomicReplayDetection(provider, (id, ttlSeconds) => replayMarks.claim(id, ttlSeconds));
  return provider;
}
