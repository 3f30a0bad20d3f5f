import type Provider from 'oidc-provider';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { Rotation, RotationCommits } from '../adapters/rotation-commit.js';
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
 */
export function rotateInOneCommit(provider: Provider, rotations: RotationCommits, reuseGraceSeconds = 0): void {
  const tokenPath = provider.pathFor('token');
  // Only a request that rotated goes on to the commit; every other one costs one promise here.
  provider.use((ctx, next) =>
    ctx.method === 'POST' && ctx.path === tokenPath
      ? rotations.run(ctx, next).then((rotation) => (rotation && ctx.status === 200 ? commitRotation(ctx as KoaContextWithOIDC, rotation) : undefined))
      : next(),
  );

  async function commitRotation(ctx: KoaContextWithOIDC, rotation: Rotation): Promise<void> {
    let refusal: errors.OIDCProviderError;
    try {
      if (await rotation.commit()) return;
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
    if (refusal instanceof errors.InvalidGrant && reuseGraceSeconds === 0) await revokeGrant(ctx, ctx.oidc.entities.RefreshToken?.grantId);
    ctx.status = refusal.status;
    ctx.body = { error: refusal.error, error_description: refusal.error_description };
  }
}

async function forgetAccessToken(ctx: KoaContextWithOIDC): Promise<void> {
  // Best effort: its value was never sent, so nobody can present it anyway.
  await ctx.oidc?.entities.AccessToken?.destroy().catch(() => {});
}
