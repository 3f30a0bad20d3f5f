import type Provider from 'oidc-provider';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { CommitResult, RotationCommits, TokenRequestOutcome } from '../adapters/rotation-commit.js';
import type { AuditEvent } from '../audit/audit-log.js';
import type { EphemeralKv } from '../storage/ephemeral-store.js';
import { StoreUnavailableError } from '../storage/store-outage.js';
import { revokeGrant } from './oidc-internals.js';

/**
 * Writes each refresh-token rotation at the token endpoint in one commit, after the
 * engine has built its answer (adapters/rotation-commit.ts says why). Added after every
 * other middleware, so it runs right around the engine: what the outer ones (metrics,
 * request log) see is the answer the client gets.
 *
 * - The engine refused or failed (a store away while it saved the access token): the
 *   answer stands and nothing was written; the old refresh token works on a retry.
 * - The commit fails with a store outage: `503 temporarily_unavailable`, nothing written.
 * - Another request used the token first: exactly one of them rotates, and this one is a
 *   replay like any other, answered as the engine answers a used token: `invalid_grant`
 *   (RFC 6749 §5.2) and the grant revoked with every token issued under it, the winner's
 *   new ones too (RFC 9700 §4.14.2: the server cannot tell which party replayed, so it
 *   revokes). Otherwise a stolen token sent alongside the client's own refresh would
 *   keep its chain alive whenever it arrived before the winner's commit. With a reuse
 *   grace (LATCHKEY_REFRESH_REUSE_GRACE_SECONDS) the loser gets invalid_grant and the
 *   grant stays, as a reuse within the grace after the commit does (sql-adapter.ts).
 * In the last two the access token already saved was never handed out: it is deleted.
 *
 * A used token presented again at the token endpoint by the client it was issued to goes
 * to the audit log, `refresh_token.reused` when the grant was revoked for it (here or by
 * the engine) and `refresh_token.reused_in_grace` when the grace spared it, and from
 * there to latchkey_refresh_token_reuse_total: either may be a stolen token, and an
 * operator sees it there. A token refused for anything else (unknown, expired, another
 * client's, its account gone) is not a reuse. Within the grace one token is recorded once
 * (`seen`): an app retrying in a loop would otherwise write a row per attempt.
 */
export function rotateInOneCommit(
  provider: Provider,
  rotations: RotationCommits,
  { reuseGraceSeconds = 0, record, seen }: { reuseGraceSeconds?: number; record: (event: AuditEvent) => Promise<void>; seen: EphemeralKv },
): void {
  const tokenPath = provider.pathFor('token');
  // Only a refused request or one that rotated goes on; every other one costs one promise here.
  provider.use((ctx, next) =>
    ctx.method === 'POST' && ctx.path === tokenPath ? rotations.run(ctx, next).then((outcome) => settle(ctx as KoaContextWithOIDC, outcome)) : next(),
  );

  function settle(ctx: KoaContextWithOIDC, outcome: TokenRequestOutcome | undefined): Promise<void> | undefined {
    if (outcome?.commit) return ctx.status === 200 ? commitRotation(ctx, outcome.commit, outcome.idHash) : undefined;
    const graced = outcome?.reusedWithinGrace;
    // Within the grace the token is "not found" before the engine checks its client.
    if (graced) return graced.clientId === ctx.oidc?.client?.clientId ? reusedInGrace(ctx, graced, outcome.idHash) : undefined;
    // The engine's own finding: the token, its client and its account checked out
    // (the Account entity is set right before the check), and it was used already, by
    // another request (this one claimed nothing): the engine revoked the grant.
    const entities = ctx.status === 400 ? ctx.oidc?.entities : undefined;
    return entities?.Account && entities.RefreshToken?.consumed ? reused(ctx, entities.RefreshToken, true) : undefined;
  }

  function reused(ctx: KoaContextWithOIDC, token: { accountId?: unknown; clientId?: unknown }, revoked: boolean): Promise<void> {
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    return record({ type: revoked ? 'refresh_token.reused' : 'refresh_token.reused_in_grace', accountId: text(token.accountId), clientId: text(token.clientId), ip: ctx.ip });
  }

  async function reusedInGrace(ctx: KoaContextWithOIDC, token: { accountId?: unknown; clientId?: unknown }, idHash: string): Promise<void> {
    // A store that cannot say records it again: a duplicate row over a missing one.
    if (await seen.claim(idHash, reuseGraceSeconds).catch(() => true)) await reused(ctx, token, false);
  }

  async function commitRotation(ctx: KoaContextWithOIDC, commit: () => Promise<CommitResult>, idHash: string): Promise<void> {
    let refusal: errors.OIDCProviderError;
    let result: CommitResult | undefined;
    try {
      result = await commit();
      if (result === 'rotated') return;
      refusal = new errors.InvalidGrant('refresh token already used');
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) {
        await forgetAccessToken(ctx);
        throw err;
      }
      refusal = err;
    }
    await forgetAccessToken(ctx);
    // What the engine's refresh grant does for a used token, which it never reaches when
    // the token was still unused as it read it. Not with a reuse grace set: the other
    // request used it while this one ran, moments ago (two tabs at once).
    if (refusal instanceof errors.InvalidGrant) {
      if (reuseGraceSeconds === 0) await revokeGrant(ctx, ctx.oidc.entities.RefreshToken?.grantId);
      const token = ctx.oidc.entities.RefreshToken ?? {};
      if (result === 'used') await (reuseGraceSeconds === 0 ? reused(ctx, token, true) : reusedInGrace(ctx, token, idHash));
    }
    ctx.status = refusal.status;
    ctx.body = { error: refusal.error, error_description: refusal.error_description };
  }
}

async function forgetAccessToken(ctx: KoaContextWithOIDC): Promise<void> {
  // Best effort: its value was never sent, so nobody can present it anyway.
  await ctx.oidc?.entities.AccessToken?.destroy().catch(() => {});
}
