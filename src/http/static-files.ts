import type { Middleware } from 'koa';
import type { PageModule } from '../pages/page-module.js';
import { STATIC_ASSETS } from '../pages/static-assets.js';

// Browsers ask for /favicon.ico on their own (for JSON documents too, which link no
// icon), so that path answers with the SVG icon rather than a 404.
const ALIASES: Record<string, string> = { '/favicon.ico': '/static/favicon.svg' };

/**
 * Serves public/ under /static from memory (pages/static-assets.ts). A request for the
 * current version (`?v=` as pages link it) may be cached for good; any other for an hour.
 */
export function staticFiles(): PageModule {
  const middleware: Middleware = async (ctx, next) => {
    const file = ctx.method === 'GET' || ctx.method === 'HEAD' ? STATIC_ASSETS.get(ALIASES[ctx.path] ?? ctx.path) : undefined;
    if (!file) return next();
    ctx.type = file.type;
    ctx.set('Cache-Control', ctx.query.v === file.version ? 'public, max-age=31536000, immutable' : 'public, max-age=3600');
    ctx.body = file.body;
  };
  return { prefixes: ['/static', ...Object.keys(ALIASES)], middleware };
}
