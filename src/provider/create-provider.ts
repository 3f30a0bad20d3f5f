import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/config.js';
import type { Adapters } from '../adapters/index.js';
import type { AccountsRepo } from '../accounts/accounts-repo.js';
import { safeEqual, sha256 } from '../common/hash.js';
import { renderPage } from '../http/views.js';
import { ACR_VALUES } from './assurance.js';
import { createInteractionPolicy } from './acr-policy.js';
import { accountClientMetadata } from './account-client.js';
import { CLAIMS, createFindAccount } from './find-account.js';
import { errorText } from './error-texts.js';
import type { KeyMaterial } from './keys.js';

export interface ProviderDeps {
  config: Config;
  adapters: Adapters;
  accounts: AccountsRepo;
  keys: KeyMaterial;
}

// A client may introspect only tokens issued to itself; others read `active: false` (RFC 7662 §4).
async function ownTokensOnly(_ctx: KoaContextWithOIDC, client: { clientId: string }, token: { clientId?: string }) {
  return token.clientId === client.clientId;
}

export function createProvider({ config, adapters, accounts, keys }: ProviderDeps): Provider {
  const configuration: Configuration = {
    adapter: adapters.factory as unknown as Configuration['adapter'], // the factory form, typed as a class in @types
    clients: [accountClientMetadata(config.issuer)],
    findAccount: createFindAccount(accounts),
    jwks: keys.jwks as Configuration['jwks'],
    cookies: {
      keys: keys.cookieKeys,
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    claims: CLAIMS as unknown as Configuration['claims'], // readonly arrays; oidc-provider only reads them
    scopes: ['openid', 'offline_access', 'email', 'profile'],
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
      properties: ['third_party'],
      validator(_ctx, key, value) {
        if (key === 'third_party' && value !== undefined && typeof value !== 'boolean') {
          throw new Error('third_party must be a boolean');
        }
      },
    },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      introspection: { enabled: true, allowedPolicy: ownTokensOnly },
      // The default revocation policy already refuses (invalid_request) another client's token.
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          await renderPage(ctx as never, 'logout', { title: 'Sign out', form, clientName: ctx.oidc.client?.clientName });
        },
        async postLogoutSuccessSource(ctx) {
          await renderPage(ctx as never, 'logged-out', { title: 'Signed out', clientName: ctx.oidc.client?.clientName });
        },
      },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}`, policy: createInteractionPolicy() },
    // The sign-in's strength travels with user tokens: JWT access tokens and
    // introspection carry acr, amr and auth_time, so resource servers can apply RFC 9470.
    async extraTokenClaims(ctx, token) {
      if (!('accountId' in token) || !token.accountId) return undefined;
      const source = ctx?.oidc.entities.AuthorizationCode ?? ctx?.oidc.entities.RefreshToken;
      if (!source?.acr) return undefined;
      return { acr: source.acr, amr: source.amr, auth_time: source.authTime };
    },
    rotateRefreshToken: true,
    ttl: {
      AccessToken: config.ttl.accessToken,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 30 * 60,
      Session: config.ttl.session,
      Grant: config.ttl.refreshToken,
      RefreshToken: config.ttl.refreshToken,
      ClientCredentials: config.ttl.accessToken,
    },
    async renderError(ctx, out) {
      await renderPage(ctx as never, 'error', { title: 'Sign-in problem', code: out.error, message: errorText(out.error) }, ctx.status);
    },
  };

  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustProxy;

  // Client secrets are stored only as SHA-256 (clients-repo); the registry hands the
  // hash to oidc-provider as `client_secret`, so compare hashes, in constant time.
  provider.Client.prototype.compareClientSecret = function compareClientSecret(this: { clientSecret?: string }, actual: string) {
    return Promise.resolve(Boolean(this.clientSecret) && safeEqual(sha256(actual), this.clientSecret!));
  } as never;

  return provider;
}
