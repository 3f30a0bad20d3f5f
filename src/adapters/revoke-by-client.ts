import type { Db } from '../storage/db.js';

/**
 * Deletes every grant and refresh token issued to a client (when the client is deleted).
 * Its ephemeral tokens need no sweep: they stop working once the client cannot be found.
 * The lookup uses the expression index of migrations/004.
 */
export async function revokeByClient(db: Db, clientId: string): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM oidc_models WHERE model IN ('Grant', 'RefreshToken') AND payload->>'clientId' = $1`,
    [clientId],
  );
  return rowCount;
}
