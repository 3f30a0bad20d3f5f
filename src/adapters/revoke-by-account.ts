import type { Db } from '../storage/db.js';

export interface RevokeOptions {
  /** A session to keep (the one making the change: "sign out everywhere else"). */
  keepSessionUid?: string;
  /** Keep the account's grants (consents) and only end sessions and refresh tokens. */
  keepGrants?: boolean;
}

/**
 * Ends what an account holds at the OIDC layer: its sessions (their cookies no longer
 * sign in), its refresh tokens (a refresh answers `invalid_grant`) and, unless kept, its
 * grants — access tokens die with their grant, since oidc-provider loads the grant for
 * userinfo and introspection. Used by password reset and change, account deletion and
 * disabling. Rows are found through the account_id indexes (migrations 001 and 008).
 */
export async function revokeByAccount(db: Db, accountId: string, options: RevokeOptions = {}): Promise<{ sessions: number; grants: number; refreshTokens: number }> {
  return db.transaction(async (tx) => {
    const sessions = await tx.query(
      `DELETE FROM oidc_models WHERE model = 'Session' AND account_id = $1 AND ($2::text IS NULL OR uid IS DISTINCT FROM $2)`,
      [accountId, options.keepSessionUid ?? null],
    );
    const refreshTokens = await tx.query(`DELETE FROM oidc_models WHERE model = 'RefreshToken' AND account_id = $1`, [accountId]);
    const grants = options.keepGrants ? { rowCount: 0 } : await tx.query(`DELETE FROM oidc_models WHERE model = 'Grant' AND account_id = $1`, [accountId]);
    return { sessions: sessions.rowCount, grants: grants.rowCount, refreshTokens: refreshTokens.rowCount };
  });
}
