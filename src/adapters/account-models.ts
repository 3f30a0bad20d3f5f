import type { Db } from '../storage/db.js';

/**
 * An account's own sessions and grants in `oidc_models`, for the account page (list,
 * end, revoke) and the session limit. Every query is scoped by `account_id` as well as
 * the row's id: an id from another account finds nothing (no IDOR).
 *
 * Sessions are addressed by their `uid` column (the cookie value, the real id, exists
 * only as a hash); grants by `id_hash`, since a grant's own id is not stored. The grant
 * id a grant row holds in `grant_id` (sql-adapter.ts stores it from now on) lets its
 * refresh tokens go with it.
 */
export interface StoredSession {
  uid: string;
  payload: Record<string, unknown>;
}

export interface StoredGrant {
  /** SHA-256 of the grant id: the handle the account page uses. */
  handle: string;
  grantId: string | null;
  payload: Record<string, unknown>;
}

const LIVE = '(expires_at IS NULL OR expires_at > now())';

// Newest first by the creation time Latchkey keeps (session-meta.ts), else the engine's iat.
const CREATED = `COALESCE((payload->'meta'->>'createdAt')::bigint, (payload->>'iat')::bigint, 0)`;

export function createAccountModels(db: Db) {
  return {
    async sessions(accountId: string): Promise<StoredSession[]> {
      const { rows } = await db.query<StoredSession>(
        `SELECT uid, payload FROM oidc_models WHERE model = 'Session' AND account_id = $1 AND uid IS NOT NULL AND ${LIVE}
         ORDER BY ${CREATED} DESC`,
        [accountId],
      );
      return rows;
    },

    /** Deletes one session of the account; returns what it held (undefined: not this account's). */
    async endSession(accountId: string, uid: string): Promise<StoredSession | undefined> {
      const { rows } = await db.query<StoredSession>(
        `DELETE FROM oidc_models WHERE model = 'Session' AND account_id = $1 AND uid = $2 RETURNING uid, payload`,
        [accountId, uid],
      );
      return rows[0];
    },

    /** Deletes every session of the account except `keepUid`. */
    async endOtherSessions(accountId: string, keepUid: string): Promise<StoredSession[]> {
      const { rows } = await db.query<StoredSession>(
        `DELETE FROM oidc_models WHERE model = 'Session' AND account_id = $1 AND uid IS DISTINCT FROM $2 RETURNING uid, payload`,
        [accountId, keepUid],
      );
      return rows;
    },

    /**
     * Keeps the `max` newest sessions of the account (always `keepUid`, the one just
     * signed in) and deletes the rest, in one statement: two sign-ins at once cannot
     * both count the same old sessions and leave more than `max`.
     */
    async trimSessions(accountId: string, keepUid: string, max: number): Promise<StoredSession[]> {
      const { rows } = await db.query<StoredSession>(
        `DELETE FROM oidc_models WHERE model = 'Session' AND account_id = $1 AND uid IS DISTINCT FROM $2
           AND id_hash NOT IN (
             SELECT id_hash FROM oidc_models WHERE model = 'Session' AND account_id = $1 AND uid IS DISTINCT FROM $2 AND ${LIVE}
             ORDER BY ${CREATED} DESC LIMIT $3)
         RETURNING uid, payload`,
        [accountId, keepUid, Math.max(0, max - 1)],
      );
      return rows;
    },

    async grants(accountId: string): Promise<StoredGrant[]> {
      const { rows } = await db.query<{ id_hash: string; grant_id: string | null; payload: Record<string, unknown> }>(
        `SELECT id_hash, grant_id, payload FROM oidc_models WHERE model = 'Grant' AND account_id = $1 AND ${LIVE}
         ORDER BY (payload->>'iat')::bigint DESC NULLS LAST`,
        [accountId],
      );
      return rows.map((r) => ({ handle: r.id_hash, grantId: r.grant_id, payload: r.payload }));
    },

    /**
     * Deletes one grant of the account and the refresh tokens issued under it. Without
     * its grant a refresh token or access token is refused anyway (the engine loads the
     * grant for each); deleting the refresh tokens also leaves nothing usable in a dump.
     */
    async revokeGrant(accountId: string, handle: string): Promise<StoredGrant | undefined> {
      const { rows } = await db.query<{ id_hash: string; grant_id: string | null; payload: Record<string, unknown> }>(
        `DELETE FROM oidc_models WHERE model = 'Grant' AND account_id = $1 AND id_hash = $2 RETURNING id_hash, grant_id, payload`,
        [accountId, handle],
      );
      const row = rows[0];
      if (!row) return undefined;
      if (row.grant_id) {
        await db.query(`DELETE FROM oidc_models WHERE model = 'RefreshToken' AND grant_id = $1`, [row.grant_id]);
      }
      return { handle: row.id_hash, grantId: row.grant_id, payload: row.payload };
    },
  };
}

export type AccountModels = ReturnType<typeof createAccountModels>;
