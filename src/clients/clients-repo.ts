import { randomBytes } from 'node:crypto';
import type { Db } from '../storage/db.js';
import { sha256 } from '../common/hash.js';

export interface ClientInput {
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  scope: string;
  public: boolean;
  thirdParty: boolean;
  /** Normally generated; a fixed id only for well-known clients such as the demo app. */
  clientId?: string;
}

export interface ClientSummary {
  clientId: string;
  name: string;
  public: boolean;
  thirdParty: boolean;
  redirectUris: string[];
  grantTypes: string[];
  scope: string;
  createdAt: Date;
}

/** oidc-provider client metadata as stored (never with a secret). */
export type ClientMetadata = Record<string, unknown> & { client_id: string };

interface ClientRow {
  client_id: string;
  name: string;
  secret_hash: string | null;
  third_party: boolean;
  metadata: ClientMetadata;
  created_at: Date;
}

export class ClientInputError extends Error {
  readonly code = 'client.invalid';
}

const GRANT_TYPES = new Set(['authorization_code', 'refresh_token', 'client_credentials']);

function validate(input: ClientInput): void {
  if (!input.name.trim()) throw new ClientInputError('name must not be empty');
  for (const g of input.grantTypes) {
    if (!GRANT_TYPES.has(g)) throw new ClientInputError(`grant type ${g} is not supported (use ${[...GRANT_TYPES].join(', ')})`);
  }
  if (input.grantTypes.includes('authorization_code') && input.redirectUris.length === 0) {
    throw new ClientInputError('authorization_code clients need at least one redirect URI');
  }
  if (input.public && input.grantTypes.includes('client_credentials')) {
    throw new ClientInputError('a public client cannot use client_credentials');
  }
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

/** Client ids are public; secrets carry 256 bits and are stored only as SHA-256. */
export function createClientsRepo(db: Db) {
  return {
    async create(input: ClientInput): Promise<{ clientId: string; clientSecret: string | undefined; metadata: ClientMetadata }> {
      validate(input);
      const clientId = input.clientId ?? randomBytes(16).toString('base64url');
      const clientSecret = input.public ? undefined : randomBytes(32).toString('base64url');
      const usesCode = input.grantTypes.includes('authorization_code');
      const metadata: ClientMetadata = {
        client_id: clientId,
        client_name: input.name.trim(),
        redirect_uris: input.redirectUris,
        post_logout_redirect_uris: input.postLogoutRedirectUris,
        grant_types: input.grantTypes,
        response_types: usesCode ? ['code'] : [],
        scope: input.scope,
        token_endpoint_auth_method: input.public ? 'none' : 'client_secret_basic',
        third_party: input.thirdParty,
      };
      await db.query(
        'INSERT INTO clients (client_id, name, secret_hash, third_party, metadata) VALUES ($1, $2, $3, $4, $5)',
        [clientId, metadata.client_name, clientSecret ? sha256(clientSecret) : null, input.thirdParty, JSON.stringify(metadata)],
      );
      return { clientId, clientSecret, metadata };
    },

    /** Metadata for oidc-provider; `client_secret` carries the hash (see provider/client-secrets.ts). */
    async findForProvider(clientId: string): Promise<ClientMetadata | undefined> {
      const { rows } = await db.query<ClientRow>('SELECT metadata, secret_hash FROM clients WHERE client_id = $1', [clientId]);
      const row = rows[0];
      if (!row) return undefined;
      return row.secret_hash ? { ...row.metadata, client_secret: row.secret_hash } : row.metadata;
    },

    async list(): Promise<ClientSummary[]> {
      const { rows } = await db.query<ClientRow>(
        'SELECT client_id, name, secret_hash, third_party, metadata, created_at FROM clients ORDER BY created_at, client_id',
      );
      return rows.map((r) => ({
        clientId: r.client_id,
        name: r.name,
        public: r.secret_hash === null,
        thirdParty: r.third_party,
        redirectUris: (r.metadata.redirect_uris as string[] | undefined) ?? [],
        grantTypes: (r.metadata.grant_types as string[] | undefined) ?? [],
        scope: (r.metadata.scope as string | undefined) ?? '',
        createdAt: r.created_at,
      }));
    },

    /** Deletes the client and every grant, session entry and refresh token issued to it. */
    async delete(clientId: string): Promise<boolean> {
      return db.transaction(async (tx) => {
        const { rowCount } = await tx.query('DELETE FROM clients WHERE client_id = $1', [clientId]);
        if (rowCount > 0) {
          await tx.query(
            `DELETE FROM oidc_models WHERE model IN ('Grant', 'RefreshToken') AND payload->>'clientId' = $1`,
            [clientId],
          );
        }
        return rowCount > 0;
      });
    },

    async count(): Promise<number> {
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM clients');
      return rows[0]!.n;
    },
  };
}

export type ClientsRepo = ReturnType<typeof createClientsRepo>;
