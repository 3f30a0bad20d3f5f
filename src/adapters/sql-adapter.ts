import { errors } from 'oidc-provider';
import type { Db } from '../storage/db.js';
import { sha256 } from '../common/hash.js';
import { type Adapter, type AdapterPayload, expiresAt, storablePayload } from './adapter.js';

interface Row {
  payload: AdapterPayload;
  consumed_at: Date | null;
}

const LIVE = '(expires_at IS NULL OR expires_at > now())';

/** Durable oidc-provider models in the one `oidc_models` table (see migrations/001). */
export function createSqlAdapter(db: Db, model: string): Adapter {
  function revive(row: Row | undefined, jti: string): AdapterPayload | undefined {
    if (!row) return undefined;
    return { ...row.payload, jti, ...(row.consumed_at ? { consumed: Math.floor(row.consumed_at.getTime() / 1000) } : {}) };
  }

  return {
    async upsert(id, payload, expiresIn) {
      await db.query(
        `INSERT INTO oidc_models (model, id_hash, payload, grant_id, uid, account_id, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (model, id_hash) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
           uid = EXCLUDED.uid, account_id = EXCLUDED.account_id, expires_at = EXCLUDED.expires_at`,
        [
          model,
          sha256(id),
          JSON.stringify(storablePayload(payload)),
          payload.grantId ?? null,
          payload.uid ?? null,
          payload.accountId ?? null,
          expiresAt(expiresIn),
        ],
      );
    },

    async find(id) {
      const { rows } = await db.query<Row>(
        `SELECT payload, consumed_at FROM oidc_models WHERE model = $1 AND id_hash = $2 AND ${LIVE}`,
        [model, sha256(id)],
      );
      return revive(rows[0], id);
    },

    async findByUid(uid) {
      const { rows } = await db.query<Row>(
        `SELECT payload, consumed_at FROM oidc_models WHERE model = $1 AND uid = $2 AND ${LIVE} LIMIT 1`,
        [model, uid],
      );
      // The real id exists only as a hash. oidc-provider reads sessions found by uid
      // (account and grant checks) and never saves them, so a placeholder jti is safe.
      return revive(rows[0], `uid:${uid}`);
    },

    async findByUserCode() {
      return undefined;
    },

    async consume(id) {
      // Atomic: of any number of parallel redemptions exactly one flips consumed_at.
      const { rowCount } = await db.query(
        `UPDATE oidc_models SET consumed_at = now() WHERE model = $1 AND id_hash = $2 AND consumed_at IS NULL`,
        [model, sha256(id)],
      );
      if (rowCount === 0) throw new errors.InvalidGrant(`${model} already consumed`);
    },

    async destroy(id) {
      await db.query('DELETE FROM oidc_models WHERE model = $1 AND id_hash = $2', [model, sha256(id)]);
    },

    async revokeByGrantId(grantId) {
      await db.query('DELETE FROM oidc_models WHERE model = $1 AND grant_id = $2', [model, grantId]);
    },
  };
}

/** Deletes expired durable rows; returns how many. Run periodically (see main.ts). */
export async function sweepExpired(db: Db): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM oidc_models WHERE expires_at <= now()');
  return rowCount;
}
