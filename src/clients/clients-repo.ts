import { randomBytes } from 'node:crypto';
import type { Db } from '../storage/db.js';
import { safeEqual, sha256 } from '../common/hash.js';

export type AuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

export interface ClientInput {
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  /** Every scope the client may ask for: OIDC scopes and API (resource) scopes. */
  scope: string;
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

export interface SecretSummary {
  id: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export interface ClientSummary {
  clientId: string;
  name: string;
  public: boolean;
  thirdParty: boolean;
  canIntrospect: boolean;
  redirectUris: string[];
  grantTypes: string[];
  scope: string;
  authMethod: string;
  createdAt: Date;
  expiresAt: Date | null;
  disabledAt: Date | null;
}

/** oidc-provider client metadata as stored (never with a secret). */
export type ClientMetadata = Record<string, unknown> & { client_id: string };

export interface ClientRow {
  client_id: string;
  name: string;
  confidential: boolean;
  third_party: boolean;
  can_introspect: boolean;
  scopes: string[];
  metadata: ClientMetadata;
  created_at: Date;
  expires_at: Date | null;
  disabled_at: Date | null;
}

interface SecretRow {
  id: string;
  secret_hash: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export class ClientInputError extends Error {
  readonly code = 'client.invalid';
}

const GRANT_TYPES = new Set(['authorization_code', 'refresh_token', 'client_credentials']);
const AUTH_METHODS = new Set<AuthMethod>(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']);
/** The scopes oidc-provider itself knows; the rest are API scopes of registered resources. */
export const OIDC_SCOPES = new Set(['openid', 'offline_access', 'email', 'profile']);
/**
 * oidc-provider insists on a client_secret for secret-based methods, and uses it only to
 * compare (we override that: see provider/create-provider.ts) and for HS* algorithms
 * (disabled). The real secrets are hashes in client_secrets.
 */
export const SECRET_PLACEHOLDER = 'latchkey:secrets-are-stored-hashed';

function validate(input: ClientInput): void {
  if (!input.name.trim()) throw new ClientInputError('name must not be empty');
  if (!input.grantTypes.length) throw new ClientInputError('at least one grant type is needed');
  for (const g of input.grantTypes) {
    if (!GRANT_TYPES.has(g)) throw new ClientInputError(`grant type ${g} is not supported (use ${[...GRANT_TYPES].join(', ')})`);
  }
  if (input.grantTypes.includes('authorization_code') && input.redirectUris.length === 0) {
    throw new ClientInputError('authorization_code clients need at least one redirect URI');
  }
  if (input.grantTypes.includes('refresh_token') && !input.grantTypes.includes('authorization_code')) {
    throw new ClientInputError('refresh_token goes with authorization_code');
  }
  if (input.public && input.grantTypes.includes('client_credentials')) {
    throw new ClientInputError('a public client cannot use client_credentials');
  }
  if (input.authMethod && !AUTH_METHODS.has(input.authMethod)) throw new ClientInputError(`unknown auth method ${input.authMethod}`);
  if (input.public && input.authMethod && input.authMethod !== 'none') throw new ClientInputError('a public client authenticates with none');
  if (input.authMethod === 'private_key_jwt' && !input.jwks?.keys?.length) throw new ClientInputError('private_key_jwt needs a JWKS with the public key');
  for (const uri of [...input.redirectUris, ...input.postLogoutRedirectUris]) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new ClientInputError(`${uri} is not an absolute URL`);
    }
    if (url.hash) throw new ClientInputError(`${uri} must not have a fragment`);
  }
}

function newSecret(): { id: string; value: string; hash: string } {
  const value = randomBytes(32).toString('base64url');
  return { id: `sec_${randomBytes(9).toString('base64url')}`, value, hash: sha256(value) };
}

function summary(r: ClientRow): ClientSummary {
  return {
    clientId: r.client_id,
    name: r.name,
    public: !r.confidential,
    thirdParty: r.third_party,
    canIntrospect: r.can_introspect,
    redirectUris: (r.metadata.redirect_uris as string[] | undefined) ?? [],
    grantTypes: (r.metadata.grant_types as string[] | undefined) ?? [],
    scope: r.scopes.join(' '),
    authMethod: String(r.metadata.token_endpoint_auth_method),
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    disabledAt: r.disabled_at,
  };
}

const CLIENT_COLUMNS = 'client_id, name, confidential, third_party, can_introspect, scopes, metadata, created_at, expires_at, disabled_at';

export interface ClientRecord {
  row: ClientRow;
  secrets: Array<{ id: string; hash: string; expiresAt: Date | null }>;
}

/**
 * Metadata for oidc-provider, or undefined for a client that is disabled or expired —
 * which also makes its outstanding tokens introspect as inactive.
 */
export function providerMetadata(record: ClientRecord, now: Date): ClientMetadata | undefined {
  const { row } = record;
  if (row.disabled_at || (row.expires_at && row.expires_at <= now)) return undefined;
  const method = row.metadata.token_endpoint_auth_method;
  return {
    ...row.metadata,
    latchkey_scopes: row.scopes,
    can_introspect: row.can_introspect,
    ...(method === 'client_secret_basic' || method === 'client_secret_post' ? { client_secret: SECRET_PLACEHOLDER } : {}),
  };
}

/** The id of the live secret that matches, comparing every one in constant time. */
export function matchSecret(record: ClientRecord, secret: string, now: Date): string | undefined {
  const hash = sha256(secret);
  let match: string | undefined;
  for (const s of record.secrets) {
    // Every live row is compared, so timing does not tell which one matched.
    if (safeEqual(s.hash, hash) && (!s.expiresAt || s.expiresAt > now)) match = s.id;
  }
  return match;
}

/** Client ids are public; secrets carry 256 bits and are stored only as SHA-256. */
export function createClientsRepo(db: Db) {
  return {
    async create(input: ClientInput): Promise<{ clientId: string; clientSecret: string | undefined; secretId: string | undefined; metadata: ClientMetadata }> {
      validate(input);
      const clientId = input.clientId ?? randomBytes(16).toString('base64url');
      const authMethod: AuthMethod = input.public ? 'none' : (input.authMethod ?? 'client_secret_basic');
      const usesSecret = authMethod === 'client_secret_basic' || authMethod === 'client_secret_post';
      const scopes = input.scope.split(/\s+/).filter(Boolean);
      const oidcScope = scopes.filter((s) => OIDC_SCOPES.has(s)).join(' ');
      const metadata: ClientMetadata = {
        client_id: clientId,
        client_name: input.name.trim(),
        redirect_uris: input.redirectUris,
        post_logout_redirect_uris: input.postLogoutRedirectUris,
        grant_types: input.grantTypes,
        response_types: input.grantTypes.includes('authorization_code') ? ['code'] : [],
        // oidc-provider validates `scope` against the scopes it knows; API scopes are
        // enforced by Latchkey from the `scopes` column (provider/scope-policy.ts).
        ...(oidcScope ? { scope: oidcScope } : {}),
        token_endpoint_auth_method: authMethod,
        third_party: input.thirdParty,
        ...(input.jwks ? { jwks: input.jwks } : {}),
      };
      const secret = usesSecret ? newSecret() : undefined;
      await db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO clients (client_id, name, confidential, third_party, can_introspect, scopes, metadata, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [clientId, metadata.client_name, !input.public, input.thirdParty, input.canIntrospect ?? false, scopes, JSON.stringify(metadata), input.expiresAt ?? null],
        );
        if (secret) {
          await tx.query('INSERT INTO client_secrets (id, client_id, secret_hash, expires_at) VALUES ($1, $2, $3, $4)', [
            secret.id,
            clientId,
            secret.hash,
            input.secretExpiresAt ?? null,
          ]);
        }
      });
      return { clientId, clientSecret: secret?.value, secretId: secret?.id, metadata };
    },

    /** The client with its unrevoked secrets, in one query: what authenticating a client needs. */
    async loadForAuth(clientId: string): Promise<ClientRecord | undefined> {
      const { rows } = await db.query<ClientRow & { secrets: Array<{ id: string; secret_hash: string; expires_at: string | null }> }>(
        `SELECT ${CLIENT_COLUMNS.split(', ').map((c) => `c.${c}`).join(', ')},
           coalesce(json_agg(json_build_object('id', s.id, 'secret_hash', s.secret_hash, 'expires_at', s.expires_at))
             FILTER (WHERE s.id IS NOT NULL), '[]') AS secrets
         FROM clients c LEFT JOIN client_secrets s ON s.client_id = c.client_id AND s.revoked_at IS NULL
         WHERE c.client_id = $1 GROUP BY c.client_id`,
        [clientId],
      );
      const row = rows[0];
      if (!row) return undefined;
      return {
        row,
        secrets: row.secrets.map((x) => ({ id: x.id, hash: x.secret_hash, expiresAt: x.expires_at ? new Date(x.expires_at) : null })),
      };
    },

    /** A new secret (optionally with its own expiry); the live ones stay valid for `overlapSeconds` more, then stop. */
    async rotateSecret(clientId: string, overlapSeconds: number, now: Date, newExpiresAt?: Date): Promise<{ secretId: string; clientSecret: string }> {
      const secret = newSecret();
      await db.transaction(async (tx) => {
        const { rows } = await tx.query<{ confidential: boolean; metadata: ClientMetadata }>('SELECT confidential, metadata FROM clients WHERE client_id = $1', [clientId]);
        const method = rows[0]?.metadata.token_endpoint_auth_method;
        if (!rows[0]) throw new ClientInputError(`no client with id ${clientId}`);
        if (method !== 'client_secret_basic' && method !== 'client_secret_post') throw new ClientInputError(`client ${clientId} does not use a client secret`);
        const until = new Date(now.getTime() + overlapSeconds * 1000);
        await tx.query(
          `UPDATE client_secrets SET expires_at = CASE WHEN expires_at IS NULL OR expires_at > $2 THEN $2 ELSE expires_at END
           WHERE client_id = $1 AND revoked_at IS NULL`,
          [clientId, until],
        );
        await tx.query('INSERT INTO client_secrets (id, client_id, secret_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [
          secret.id,
          clientId,
          secret.hash,
          now,
          newExpiresAt ?? null,
        ]);
      });
      return { secretId: secret.id, clientSecret: secret.value };
    },

    async revokeSecret(clientId: string, secretId: string, now: Date): Promise<boolean> {
      const { rowCount } = await db.query('UPDATE client_secrets SET revoked_at = $3 WHERE client_id = $1 AND id = $2 AND revoked_at IS NULL', [clientId, secretId, now]);
      return rowCount > 0;
    },

    /** Last-used times, batched by the caller (see clients/last-used.ts). */
    async recordSecretsUsed(uses: Array<{ secretId: string; at: Date }>): Promise<void> {
      if (!uses.length) return;
      await db.query(
        `UPDATE client_secrets s SET last_used_at = u.at
         FROM (SELECT unnest($1::text[]) AS id, unnest($2::timestamptz[]) AS at) u
         WHERE s.id = u.id AND (s.last_used_at IS NULL OR s.last_used_at < u.at)`,
        [uses.map((u) => u.secretId), uses.map((u) => u.at.toISOString())],
      );
    },

    async disable(clientId: string, now: Date): Promise<boolean> {
      const { rowCount } = await db.query('UPDATE clients SET disabled_at = $2 WHERE client_id = $1 AND disabled_at IS NULL', [clientId, now]);
      return rowCount > 0;
    },

    async show(clientId: string): Promise<(ClientSummary & { secrets: SecretSummary[] }) | undefined> {
      const { rows } = await db.query<ClientRow>(`SELECT ${CLIENT_COLUMNS} FROM clients WHERE client_id = $1`, [clientId]);
      if (!rows[0]) return undefined;
      const secrets = await db.query<SecretRow>(
        'SELECT id, secret_hash, created_at, expires_at, revoked_at, last_used_at FROM client_secrets WHERE client_id = $1 ORDER BY created_at, id',
        [clientId],
      );
      return {
        ...summary(rows[0]),
        secrets: secrets.rows.map((s) => ({ id: s.id, createdAt: s.created_at, expiresAt: s.expires_at, revokedAt: s.revoked_at, lastUsedAt: s.last_used_at })),
      };
    },

    async list(): Promise<ClientSummary[]> {
      const { rows } = await db.query<ClientRow>(`SELECT ${CLIENT_COLUMNS} FROM clients ORDER BY created_at, client_id`);
      return rows.map(summary);
    },

    /** Deletes the client, its secrets, and every grant and refresh token issued to it. */
    async delete(clientId: string): Promise<boolean> {
      return db.transaction(async (tx) => {
        const { rowCount } = await tx.query('DELETE FROM clients WHERE client_id = $1', [clientId]);
        if (rowCount > 0) {
          await tx.query(`DELETE FROM oidc_models WHERE model IN ('Grant', 'RefreshToken') AND payload->>'clientId' = $1`, [clientId]);
        }
        return rowCount > 0;
      });
    },

    /** Dynamic registration (RFC 7591): metadata from oidc-provider, secret stored hashed. */
    async register(metadata: ClientMetadata & { client_secret?: string }): Promise<void> {
      const { client_secret: secret, ...rest } = metadata;
      const scopes = String(rest.scope ?? '').split(' ').filter(Boolean);
      await db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO clients (client_id, name, confidential, third_party, scopes, metadata) VALUES ($1, $2, $3, true, $4, $5)`,
          [rest.client_id, String(rest.client_name ?? rest.client_id), rest.token_endpoint_auth_method !== 'none', scopes, JSON.stringify({ ...rest, third_party: true })],
        );
        if (secret) {
          await tx.query('INSERT INTO client_secrets (id, client_id, secret_hash) VALUES ($1, $2, $3)', [newSecret().id, rest.client_id, sha256(secret)]);
        }
      });
    },

    async count(): Promise<number> {
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM clients');
      return rows[0]!.n;
    },
  };
}

export type ClientsRepo = ReturnType<typeof createClientsRepo>;
