import type { Middleware } from 'koa';
import type { PageModule } from '../pages/page-module.js';
import { METADATA_MAX_AGE_SECONDS } from '../provider/key-rotation.js';
import { methodNotAllowed } from './not-found.js';

export const WEBAUTHN_WELL_KNOWN = '/.well-known/webauthn';

/**
 * GET /.well-known/webauthn — WebAuthn L3 §5.11.1: the origins, besides the RP ID's own,
 * that may use Latchkey's RP ID (LATCHKEY_WEBAUTHN_RELATED_ORIGINS). A browser on one of
 * them fetches this from the RP ID's host before it lets that origin use the passkeys.
 * Only listed when configured: without related origins the path is a 404 like any other.
 */
export function webauthnWellKnown(origins: readonly string[]): PageModule {
  const body = JSON.stringify({ origins });
  const middleware: Middleware = async (ctx, next) => {
    if (ctx.path !== WEBAUTHN_WELL_KNOWN) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return methodNotAllowed(ctx, ['GET', 'HEAD']);
    ctx.type = 'application/json';
    ctx.body = body;
    // Public, the same for everyone; read by browsers on the other origins.
    ctx.set('Cache-Control', `public, max-age=${METADATA_MAX_AGE_SECONDS}`);
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.set('Cross-Origin-Resource-Policy', 'cross-origin');
  };
  return { prefixes: [WEBAUTHN_WELL_KNOWN], middleware };
}
