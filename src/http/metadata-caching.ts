import type { Middleware } from 'koa';

/**
 * How long relying parties and resource servers may keep discovery and the JWKS. Short
 * on purpose: a new signing key must be published for at least this long before it
 * signs anything, and a removed key stays trusted by caches for this long (OIDC
 * Discovery §4, RFC 8414 §3, RFC 7517). Five minutes spares the issuer one fetch per
 * token check without holding a rotation back.
 */
export const METADATA_MAX_AGE_SECONDS = 300;

/** Discovery documents (OIDC Discovery §4, RFC 8414 §3) are at fixed well-known paths. */
const DISCOVERY_PATHS = ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'];

/** `Cache-Control` on the public metadata: discovery and the JWKS at `jwksPath`. */
export function metadataCaching(jwksPath: string): Middleware {
  const paths = new Set([...DISCOVERY_PATHS, jwksPath]);
  return async (ctx, next) => {
    await next();
    if (ctx.status === 200 && (ctx.method === 'GET' || ctx.method === 'HEAD') && paths.has(ctx.path)) {
      ctx.set('Cache-Control', `public, max-age=${METADATA_MAX_AGE_SECONDS}`);
    }
  };
}
