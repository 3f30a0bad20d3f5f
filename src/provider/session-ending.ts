import type Provider from 'oidc-provider';
import { z } from 'zod';
import type { AccountModels, StoredGrant, StoredSession } from '../adapters/account-models.js';
import type { AuditLog } from '../audit/audit-log.js';
import { sha256 } from '../common/hash.js';

export type EndReason = 'ended' | 'others-ended' | 'limit';

// What a stored session says about the apps signed in through it (the engine's
// `authorizations`): the grant made in it, and whether that grant outlives a sign-out
// (`persistsLogout`: offline_access was granted).
const authorizations = z.record(z.string(), z.object({ grantId: z.string().optional(), persistsLogout: z.boolean().optional() }).loose());

/**
 * Ending sessions and revoking grants of one account, the same way everywhere (the
 * account page, the session limit).
 *
 * Ending a session deletes its row, so its cookie finds nothing and the next /auth shows
 * the sign-in page. The grants made in that session go as they would at a sign-out
 * (oidc-provider's end_session does the same): revoked with their tokens unless the app
 * was given offline_access, which exists precisely to outlive the browser session; those
 * stay listed under "Connected apps", where the owner revokes them.
 */
export function createSessionEnding(deps: { provider: Provider; models: AccountModels; audit: AuditLog }) {
  const { provider, models, audit } = deps;

  async function revokeGrant(accountId: string, handle: string, context: { ip?: string; reason: string }): Promise<StoredGrant | undefined> {
    const grant = await models.revokeGrant(accountId, handle);
    if (!grant) return undefined;
    // Access tokens and codes live in the ephemeral store; the engine also refuses them
    // once their grant is gone, this removes them outright.
    if (grant.grantId) {
      await Promise.all([provider.AccessToken.revokeByGrantId(grant.grantId), provider.AuthorizationCode.revokeByGrantId(grant.grantId)]);
    }
    const clientId = typeof grant.payload.clientId === 'string' ? grant.payload.clientId : undefined;
    await audit.record({ type: 'grant.revoked', accountId, clientId, ip: context.ip, detail: { reason: context.reason } });
    return grant;
  }

  async function afterEnded(accountId: string, ended: StoredSession[], context: { ip?: string; reason: EndReason }): Promise<void> {
    for (const session of ended) {
      const parsed = authorizations.safeParse(session.payload.authorizations ?? {});
      for (const entry of parsed.success ? Object.values(parsed.data) : []) {
        if (entry.grantId && !entry.persistsLogout) await revokeGrant(accountId, sha256(entry.grantId), { ...context, reason: 'session-ended' });
      }
      await audit.record({ type: 'session.ended', accountId, ip: context.ip, detail: { session: session.uid, reason: context.reason } });
    }
  }

  return {
    revokeGrant,

    /** Ends one session of the account; false when the uid is not one of its sessions. */
    async endSession(accountId: string, uid: string, context: { ip?: string }): Promise<boolean> {
      const ended = await models.endSession(accountId, uid);
      if (!ended) return false;
      await afterEnded(accountId, [ended], { ...context, reason: 'ended' });
      return true;
    },

    async endOtherSessions(accountId: string, keepUid: string, context: { ip?: string }): Promise<number> {
      const ended = await models.endOtherSessions(accountId, keepUid);
      await afterEnded(accountId, ended, { ...context, reason: 'others-ended' });
      return ended.length;
    },

    /** LATCHKEY_MAX_SESSIONS: ends the oldest sessions beyond `max`, never `keepUid`. */
    async enforceLimit(accountId: string, keepUid: string, max: number): Promise<number> {
      const ended = await models.trimSessions(accountId, keepUid, max);
      await afterEnded(accountId, ended, { reason: 'limit' });
      return ended.length;
    },
  };
}

export type SessionEnding = ReturnType<typeof createSessionEnding>;
