import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Middleware } from 'koa';
import type { PageModule } from '../pages/page-module.js';

const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));
// Browser libraries served from their npm packages, so their versions follow package-lock.
const VENDOR: Record<string, string> = {
  '/static/vendor/simplewebauthn-browser.js': fileURLToPath(
    new URL('../../node_modules/@simplewebauthn/browser/dist/bundle/index.umd.min.js', import.meta.url),
  ),
};
const TYPES: Record<string, string> = { '.css': 'text/css', '.js': 'text/javascript', '.svg': 'image/svg+xml', '.png': 'image/png' };

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/**
 * Serves public/ under /static from memory: the set of files is read once at start, so
 * a request path can only ever name one of them (no traversal to reason about).
 */
export function staticFiles(): PageModule {
  const files = new Map(
    [
      ...walk(PUBLIC_DIR).map((path) => [`/static/${relative(PUBLIC_DIR, path).split('\\').join('/')}`, path] as const),
      ...Object.entries(VENDOR),
    ].map(([url, path]) => [url, { body: readFileSync(path), type: TYPES[extname(path)] ?? 'application/octet-stream' }]),
  );
  const middleware: Middleware = async (ctx, next) => {
    const file = ctx.method === 'GET' || ctx.method === 'HEAD' ? files.get(ctx.path) : undefined;
    if (!file) return next();
    ctx.type = file.type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = file.body;
  };
  return { prefixes: ['/static'], middleware };
}
