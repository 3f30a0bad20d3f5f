import { z } from 'zod';
import { ClientInputError } from './client-input-error.js';
import type { ResourceGrant } from './client-resources-repo.js';
import { isReservedClientName } from './reserved-name.js';

export type AuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

export interface ClientInput {
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  /** The OpenID scopes the client may ask for; API scopes come with `resources`. */
  scope: string;
  /** The APIs the client may obtain tokens for, with the scopes granted on each. */
  resources?: ResourceGrant[];
  public: boolean;
  thirdParty: boolean;
  /** Default client_secret_basic (confidential) or none (public). */
  authMethod?: AuthMethod;
  /** Public keys for private_key_jwt. */
  jwks?: { keys: Array<Record<string, unknown>> };
  /** May introspect any token (a resource server), not only its own. */
  canIntrospect?: boolean;
  expiresAt?: Date;
  /** When the first secret stops working (rotate before then). */
  secretExpiresAt?: Date;
  /** Normally generated; a fixed id only for well-known clients such as the demo app. */
  clientId?: string;
}

/** oidc-provider client metadata as stored (never with a secret). */
export type ClientMetadata = Record<string, unknown> & { client_id: string };

/**
 * The scopes oidc-provider itself knows (its `scopes` setting is this list); the rest
 * are API scopes of registered resources.
 */
export const OIDC_SCOPES: readonly string[] = ['openid', 'offline_access', 'email', 'profile'];

/**
 * oidc-provider insists on a client_secret for secret-based methods, and uses it only to
 * compare (Latchkey replaces that: see provider/oidc-internals.ts) and for HS*
 * algorithms (disabled). The real secrets are hashes in client_secrets.
 */
export const SECRET_PLACEHOLDER = 'latchkey:secrets-are-stored-hashed';

const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;

export function usesSecret(method: unknown): boolean {
  return method === 'client_secret_basic' || method === 'client_secret_post';
}

// OIDC Core §3.1.2.1 / RFC 6749 §3.1.2: absolute URIs without a fragment.
const redirectUri = z.string().superRefine((uri, ctx) => {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    ctx.addIssue({ code: 'custom', message: `${uri} is not an absolute URL` });
    return;
  }
  if (url.hash) ctx.addIssue({ code: 'custom', message: `${uri} must not have a fragment` });
});

const clientInput = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, 'name must not be empty')
      .refine((name) => !isReservedClientName(name), { error: (iss) => `the name ${String(iss.input).trim()} is reserved for Latchkey itself` }),
    grantTypes: z
      .array(z.enum(GRANT_TYPES, { error: (iss) => `grant type ${String(iss.input)} is not supported (use ${GRANT_TYPES.join(', ')})` }))
      .min(1, 'at least one grant type is needed'),
    authMethod: z.enum(AUTH_METHODS, { error: (iss) => `unknown auth method ${String(iss.input)}` }).optional(),
    redirectUris: z.array(redirectUri),
    postLogoutRedirectUris: z.array(redirectUri),
    public: z.boolean(),
    jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).optional(),
  })
  .superRefine((input, ctx) => {
    const rule = (broken: boolean, message: string) => broken && ctx.addIssue({ code: 'custom', message });
    const grants = input.grantTypes;
    rule(grants.includes('authorization_code') && input.redirectUris.length === 0, 'authorization_code clients need at least one redirect URI');
    rule(grants.includes('refresh_token') && !grants.includes('authorization_code'), 'refresh_token goes with authorization_code');
    rule(input.public && grants.includes('client_credentials'), 'a public client cannot use client_credentials');
    rule(input.public && input.authMethod !== undefined && input.authMethod !== 'none', 'a public client authenticates with none');
    rule(input.authMethod === 'private_key_jwt' && !input.jwks?.keys.length, 'private_key_jwt needs a JWKS with the public key');
  });

/** Checks a client before it is stored; throws ClientInputError with the first problem. */
export function validateClientInput(input: ClientInput): void {
  const parsed = clientInput.safeParse(input);
  // Field problems first, then the rules that combine fields; the first one is reported.
  if (!parsed.success) throw new ClientInputError(parsed.error.issues[0]!.message);
}

export interface NewClient {
  clientId: string;
  name: string;
  confidential: boolean;
  thirdParty: boolean;
  canIntrospect: boolean;
  scopes: string[];
  metadata: ClientMetadata;
  expiresAt: Date | null;
  /** The account whose API key this is (clients/api-keys.ts); absent for the operator's clients. */
  ownerAccountId?: string | null;
}

/** The row to store for a validated input: oidc-provider metadata plus Latchkey's columns. */
export function newClient(input: ClientInput, clientId: string): NewClient {
  const authMethod: AuthMethod = input.public ? 'none' : (input.authMethod ?? 'client_secret_basic');
  const scopes = input.scope.split(/\s+/).filter(Boolean);
  const oidcScope = scopes.filter((s) => OIDC_SCOPES.includes(s)).join(' ');
  const name = input.name.trim();
  return {
    clientId,
    name,
    confidential: !input.public,
    thirdParty: input.thirdParty,
    canIntrospect: input.canIntrospect ?? false,
    scopes,
    expiresAt: input.expiresAt ?? null,
    metadata: {
      client_id: clientId,
      client_name: name,
      redirect_uris: input.redirectUris,
      post_logout_redirect_uris: input.postLogoutRedirectUris,
      grant_types: input.grantTypes,
      response_types: input.grantTypes.includes('authorization_code') ? ['code'] : [],
      // oidc-provider validates `scope` against the scopes it knows; Latchkey refuses
      // the rest for a request without a resource (provider/scope-policy.ts).
      ...(oidcScope ? { scope: oidcScope } : {}),
      token_endpoint_auth_method: authMethod,
      third_party: input.thirdParty,
      ...(input.jwks ? { jwks: input.jwks } : {}),
    },
  };
}

/** A client oidc-provider registered (RFC 7591): always third-party, its secret apart. */
export function registeredClient(metadata: ClientMetadata & { client_secret?: string }): { client: NewClient; secret: string | undefined } {
  const { client_secret: secret, ...rest } = metadata;
  return {
    secret,
    client: {
      clientId: rest.client_id,
      name: String(rest.client_name ?? rest.client_id),
      confidential: rest.token_endpoint_auth_method !== 'none',
      thirdParty: true,
      canIntrospect: false,
      scopes: String(rest.scope ?? '').split(' ').filter(Boolean),
      metadata: { ...rest, third_party: true },
      expiresAt: null,
    },
  };
}

/** What oidc-provider needs of a stored client, to build its metadata. */
export interface StoredClient {
  scopes: string[];
  /** Granted resources: indicator → scopes (client_resources). */
  resources?: Record<string, string[]>;
  can_introspect: boolean;
  metadata: ClientMetadata;
  expires_at: Date | null;
  disabled_at: Date | null;
  /** The owning account of an API key; null or absent for the operator's clients. */
  owner_account_id?: string | null;
  /** False when the owner is disabled or gone (repository.ts loadForAuth); absent: true. */
  owner_active?: boolean;
}

/**
 * Metadata for oidc-provider, or undefined for a client that is disabled or expired, or
 * an API key whose owner is disabled — which also makes its outstanding tokens
 * introspect as inactive, and a token request answer invalid_client.
 */
export function providerMetadata(row: StoredClient, now: Date): ClientMetadata | undefined {
  return clientUsable(row, now) ? engineMetadata(row) : undefined;
}

/** False for a client that is disabled or expired, or an API key whose owner is disabled or gone. */
export function clientUsable(row: StoredClient, now: Date): boolean {
  if (row.disabled_at || (row.expires_at && row.expires_at <= now)) return false;
  return !row.owner_account_id || row.owner_active === true;
}

/** The metadata oidc-provider builds its client from, whatever the time (see providerMetadata). */
export function engineMetadata(row: StoredClient): ClientMetadata {
  return {
    ...row.metadata,
    latchkey_scopes: row.scopes,
    latchkey_resources: row.resources ?? {},
    can_introspect: row.can_introspect,
    // Tokens of an API key name its owner (provider/api-key-claims.ts).
    ...(row.owner_account_id ? { latchkey_owner: row.owner_account_id } : {}),
    ...(usesSecret(row.metadata.token_endpoint_auth_method) ? { client_secret: SECRET_PLACEHOLDER } : {}),
  };
}
