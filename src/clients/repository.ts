import type { Db } from '../storage/db.js';
import type { ClientMetadata, NewClient } from './metadata.js';
import type { StoredSecret } from './secrets.js';

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
  /** An account's own API key (clients/api-keys.ts); null for the operator's clients. */
  ownerAccountId: string | null;
}

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
  owner_account_id: string | null;
}

/** A client with its unrevoked secrets and resource grants: what the token endpoint needs. */
export interface ClientRecord {
  /** owner_active: no owner, or an owner that exists and is not disabled. */
  row: ClientRow & { resources: Record<string, string[]>; owner_active: boolean };
  secrets: StoredSecret[];
}

/** A secret to store: its hash only, never the value. */
export interface SecretToStore {
  id: string;
  hash: string;
  createdAt?: Date;
  expiresAt: Date | null;
}

interface SecretRow {
  id: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
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
    ownerAccountId: r.owner_account_id,
  };
}

const CLIENT_COLUMNS = ['client_id', 'name', 'confidential', 'third_party', 'can_introspect', 'scopes', 'metadata', 'created_at', 'expires_at', 'disabled_at', 'owner_account_id'];

/**
 * The `clients` and `client_secrets` tables, and nothing else: grants and tokens of a
 * client belong to the adapters (adapters/revoke-by-client.ts). Pass a transaction's
 * `tx` to run several calls atomically.
 */
export function createClientsRepository(db: Db) {
  async function insertSecret(tx: Db, clientId: string, secret: SecretToStore): Promise<void> {
    await tx.query('INSERT INTO client_secrets (id, client_id, secret_hash, created_at, expires_at) VALUES ($1, $2, $3, coalesce($4, now()), $5)', [
      secret.id,
      clientId,
      secret.hash,
      secret.createdAt ?? null,
      secret.expiresAt,
    ]);
  }

  return {
    async insert(client: NewClient, secret?: SecretToStore): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO clients (client_id, name, confidential, third_party, can_introspect, scopes, metadata, expires_at, owner_account_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [client.clientId, client.name, client.confidential, client.thirdParty, client.canIntrospect, client.scopes, JSON.stringify(client.metadata), client.expiresAt, client.ownerAccountId ?? null],
        );
        if (secret) await insertSecret(tx, client.clientId, secret);
      });
    },

    /** The client with its unrevoked secrets and granted resources, in one query. */
    async loadForAuth(clientId: string): Promise<ClientRecord | undefined> {
      const { rows } = await db.query<
        ClientRow & { secrets: Array<{ id: string; secret_hash: string; expires_at: string | null }>; resources: Record<string, string[]>; owner_active: boolean }
      >(
        // An API key's owner is read with the key on every authentication (fails closed:
        // a missing or disabled owner makes the client unknown, clients/metadata.ts).
        `SELECT ${CLIENT_COLUMNS.map((c) => `c.${c}`).join(', ')},
           (c.owner_account_id IS NULL OR EXISTS (SELECT 1 FROM accounts a WHERE a.id = c.owner_account_id AND a.disabled_at IS NULL)) AS owner_active,
           coalesce(json_agg(json_build_object('id', s.id, 'secret_hash', s.secret_hash, 'expires_at', s.expires_at))
             FILTER (WHERE s.id IS NOT NULL), '[]') AS secrets,
           (SELECT coalesce(json_object_agg(g.indicator, g.scopes), '{}') FROM client_resources g WHERE g.client_id = c.client_id) AS resources
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

    /**
     * Adds `secret` and ends every live secret at `overlapUntil` (or its own earlier end),
     * in one transaction after `check` has seen the client's metadata (undefined: no client).
     */
    async rotateSecret(clientId: string, secret: SecretToStore, overlapUntil: Date, check: (metadata: ClientMetadata | undefined) => void): Promise<void> {
      await db.transaction(async (tx) => {
        const { rows } = await tx.query<{ metadata: ClientMetadata }>('SELECT metadata FROM clients WHERE client_id = $1', [clientId]);
        check(rows[0]?.metadata);
        await tx.query(
          `UPDATE client_secrets SET expires_at = CASE WHEN expires_at IS NULL OR expires_at > $2 THEN $2 ELSE expires_at END
           WHERE client_id = $1 AND revoked_at IS NULL`,
          [clientId, overlapUntil],
        );
        await insertSecret(tx, clientId, secret);
      });
    },

    async revokeSecret(clientId: string, secretId: string, at: Date): Promise<boolean> {
      const { rowCount } = await db.query('UPDATE client_secrets SET revoked_at = $3 WHERE client_id = $1 AND id = $2 AND revoked_at IS NULL', [clientId, secretId, at]);
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

    async disable(clientId: string, at: Date): Promise<boolean> {
      const { rowCount } = await db.query('UPDATE clients SET disabled_at = $2 WHERE client_id = $1 AND disabled_at IS NULL', [clientId, at]);
      return rowCount > 0;
    },

    async enable(clientId: string): Promise<boolean> {
      const { rowCount } = await db.query('UPDATE clients SET disabled_at = NULL WHERE client_id = $1 AND disabled_at IS NOT NULL', [clientId]);
      return rowCount > 0;
    },

    /** The stored row, locked until the transaction `db` belongs to ends (run inside one). */
    async rowForUpdate(clientId: string): Promise<ClientRow | undefined> {
      const { rows } = await db.query<ClientRow>(`SELECT ${CLIENT_COLUMNS.join(', ')} FROM clients WHERE client_id = $1 FOR UPDATE`, [clientId]);
      return rows[0];
    },

    async update(clientId: string, change: { name: string; scopes: string[]; metadata: ClientMetadata }): Promise<void> {
      await db.query('UPDATE clients SET name = $2, scopes = $3, metadata = $4 WHERE client_id = $1', [
        clientId,
        change.name,
        change.scopes,
        JSON.stringify(change.metadata),
      ]);
    },

    async show(clientId: string): Promise<(ClientSummary & { secrets: SecretSummary[] }) | undefined> {
      const { rows } = await db.query<ClientRow>(`SELECT ${CLIENT_COLUMNS.join(', ')} FROM clients WHERE client_id = $1`, [clientId]);
      if (!rows[0]) return undefined;
      const secrets = await db.query<SecretRow>(
        'SELECT id, created_at, expires_at, revoked_at, last_used_at FROM client_secrets WHERE client_id = $1 ORDER BY created_at, id',
        [clientId],
      );
      return {
        ...summary(rows[0]),
        secrets: secrets.rows.map((s) => ({ id: s.id, createdAt: s.created_at, expiresAt: s.expires_at, revokedAt: s.revoked_at, lastUsedAt: s.last_used_at })),
      };
    },

    async list(): Promise<ClientSummary[]> {
      const { rows } = await db.query<ClientRow>(`SELECT ${CLIENT_COLUMNS.join(', ')} FROM clients ORDER BY created_at, client_id`);
      return rows.map(summary);
    },

    /** One page of clients by name (keyset on (name, client_id), so no row is skipped or repeated). */
    async page(after: { name: string; clientId: string } | undefined, limit: number): Promise<{ clients: ClientSummary[]; more: boolean }> {
      const { rows } = await db.query<ClientRow>(
        `SELECT ${CLIENT_COLUMNS.join(', ')} FROM clients WHERE ($1::text IS NULL OR (name, client_id) > ($1, $2)) ORDER BY name, client_id LIMIT $3`,
        [after?.name ?? null, after?.clientId ?? null, limit + 1],
      );
      return { clients: rows.slice(0, limit).map(summary), more: rows.length > limit };
    },

    /** Deletes the client; its secrets go with it (ON DELETE CASCADE). */
    async delete(clientId: string): Promise<boolean> {
      const { rowCount } = await db.query('DELETE FROM clients WHERE client_id = $1', [clientId]);
      return rowCount > 0;
    },

    async count(): Promise<number> {
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM clients');
      return rows[0]!.n;
    },
  };
}

export type ClientsRepository = ReturnType<typeof createClientsRepository>;
