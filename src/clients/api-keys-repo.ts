import type { Db } from '../storage/db.js';
import type { ResourceGrant } from './client-resources-repo.js';

/** An API key as its owner and the admins see it: never a secret. */
export interface ApiKey {
  clientId: string;
  name: string;
  ownerAccountId: string;
  /** The owner's address, for the admin lists. */
  ownerEmail: string;
  grants: ResourceGrant[];
  createdAt: Date;
  expiresAt: Date;
  /** The latest use of any of its secrets (written in batches: clients/last-used.ts). */
  lastUsedAt: Date | null;
  /** When the newest secret was made (creation or the last rotation). */
  secretCreatedAt: Date | null;
}

interface ApiKeyRow {
  client_id: string;
  name: string;
  owner_account_id: string;
  owner_email: string;
  grants: ResourceGrant[];
  created_at: Date;
  expires_at: Date;
  last_used_at: Date | string | null;
  secret_created_at: Date | string | null;
}

const date = (v: Date | string | null) => (v === null ? null : new Date(v));

const toApiKey = (r: ApiKeyRow): ApiKey => ({
  clientId: r.client_id,
  name: r.name,
  ownerAccountId: r.owner_account_id,
  ownerEmail: r.owner_email,
  grants: r.grants,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: date(r.last_used_at),
  secretCreatedAt: date(r.secret_created_at),
});

const SELECT = `SELECT c.client_id, c.name, c.owner_account_id, a.email AS owner_email, c.created_at, c.expires_at,
    (SELECT coalesce(json_agg(json_build_object('indicator', g.indicator, 'scopes', g.scopes) ORDER BY g.indicator), '[]')
       FROM client_resources g WHERE g.client_id = c.client_id) AS grants,
    (SELECT max(s.last_used_at) FROM client_secrets s WHERE s.client_id = c.client_id) AS last_used_at,
    (SELECT max(s.created_at) FROM client_secrets s WHERE s.client_id = c.client_id AND s.revoked_at IS NULL) AS secret_created_at
  FROM clients c JOIN accounts a ON a.id = c.owner_account_id`;

/**
 * The API-key view of the `clients` table: clients with an owner (migration 017). Every
 * query names the owner, or is the operator's list of all keys; SQL only (the rules are
 * api-keys.ts's).
 */
export function createApiKeysRepo(db: Db) {
  return {
    /** The owner's keys, newest first. */
    async ofOwner(ownerId: string): Promise<ApiKey[]> {
      const { rows } = await db.query<ApiKeyRow>(`${SELECT} WHERE c.owner_account_id = $1 ORDER BY c.created_at DESC, c.client_id`, [ownerId]);
      return rows.map(toApiKey);
    },

    /** One key, only when it belongs to `ownerId` (undefined: no such key, or another's). */
    async owned(ownerId: string, clientId: string): Promise<ApiKey | undefined> {
      const { rows } = await db.query<ApiKeyRow>(`${SELECT} WHERE c.owner_account_id = $1 AND c.client_id = $2`, [ownerId, clientId]);
      return rows[0] && toApiKey(rows[0]);
    },

    /**
     * Every key (or one owner's) after the cursor, oldest first: the admin lists. Times
     * are compared at millisecond precision, the cursor's (a JavaScript Date).
     */
    async page(filter: { ownerId?: string; after?: { createdAt: Date; clientId: string }; limit: number }): Promise<ApiKey[]> {
      const { rows } = await db.query<ApiKeyRow>(
        `${SELECT} WHERE ($1::text IS NULL OR c.owner_account_id = $1)
           AND ($2::timestamptz IS NULL OR (date_trunc('milliseconds', c.created_at), c.client_id) > ($2::timestamptz, $3::text))
         ORDER BY date_trunc('milliseconds', c.created_at), c.client_id LIMIT $4`,
        [filter.ownerId ?? null, filter.after?.createdAt.toISOString() ?? null, filter.after?.clientId ?? null, filter.limit],
      );
      return rows.map(toApiKey);
    },

    /**
     * Locks the owner's row until the transaction `db` belongs to ends, so two creations
     * cannot both pass the per-account limit; the number of keys it has then. Undefined:
     * no such account, or a disabled one.
     */
    async lockOwner(ownerId: string): Promise<number | undefined> {
      const { rows } = await db.query<{ id: string }>('SELECT id FROM accounts WHERE id = $1 AND disabled_at IS NULL FOR UPDATE', [ownerId]);
      if (!rows[0]) return undefined;
      const count = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM clients WHERE owner_account_id = $1', [ownerId]);
      return count.rows[0]!.n;
    },

    /** Drops the key's secrets that had stopped working before `now` (rotations leave them behind; the one ending now is kept, with its last use). */
    async pruneSecrets(clientId: string, now: Date): Promise<void> {
      await db.query('DELETE FROM client_secrets WHERE client_id = $1 AND expires_at < $2', [clientId, now]);
    },

    /** Deletes a key (its secrets and grants go with it); the owner when it was one. */
    async delete(clientId: string, ownerId?: string): Promise<{ ownerAccountId: string; name: string } | undefined> {
      const { rows } = await db.query<{ owner_account_id: string; name: string }>(
        `DELETE FROM clients WHERE client_id = $1 AND owner_account_id IS NOT NULL AND ($2::text IS NULL OR owner_account_id = $2)
         RETURNING owner_account_id, name`,
        [clientId, ownerId ?? null],
      );
      return rows[0] && { ownerAccountId: rows[0].owner_account_id, name: rows[0].name };
    },
  };
}
