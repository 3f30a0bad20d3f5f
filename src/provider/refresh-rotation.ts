import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { Rotation, RotationCommits } from '../adapters/rotation-commit.js';
import { StoreUnavailableError } from '../storage/store-outage.js';

/**
 * Writes each refresh-token rotation at the token endpoint in one commit, after the
 * engine has built its answer (adapters/rotation-commit.ts says why). Added after every
 * other middleware, so it runs right around the engine: what the outer ones (metrics,
 * request log) see is the answer the client gets.
 *
 * - The engine refused or failed (a store away while it saved the access token): the
 *   answer stands and nothing was written; the old refresh token works on a retry.
 * - The commit fails with a store outage: `503 temporarily_unavailable`, nothing written.
 * - Another request used the token first: `invalid_grant`, as a used token gets
 *   (RFC 6749 §5.2); exactly one of them rotates.
 * In the last two the access token already saved was never handed out: it is deleted.
 */
export function rotateInOneCommit(provider: Provider, rotations: RotationCommits): void {
  const tokenPath = provider.pathFor('token');
  // Only a request that rotated goes on to the commit; every other one costs one promise here.
  provider.use((ctx, next) =>
    ctx.method === 'POST' && ctx.path === tokenPath
      ? rotations.run(ctx, next).then((rotation) => (rotation && ctx.status === 200 ? commitRotation(ctx, rotation) : undefined))
      : next(),
  );

  async function commitRotation(ctx: Context, rotation: Rotation): Promise<void> {
    let refusal: errors.OIDCProviderError;
    try {
      if (await rotation.commit()) return;
      refusal = new errors.InvalidGrant('refresh token already used');
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) {
        await forgetAccessToken(ctx as KoaContextWithOIDC);
        throw err;
      }
      refusal = err;
    }
    await forgetAccessToken(ctx as KoaContextWithOIDC);
    ctx.status = refusal.status;
    ctx.body = { error: refusal.error, error_description: refusal.error_description };
  }
}

async function forgetAccessToken(ctx: KoaContextWithOIDC): Promise<void> {
  // Best effort: its value was never sent, so nobody can present it anyway.
  await ctx.oidc?.entities.AccessToken?.destroy().catch(() => {});
}
