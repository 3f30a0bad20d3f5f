import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { fromPackageRoot } from '../common/package-root.js';

const PUBLIC_DIR = fromPackageRoot('public');
// Browser libraries served from their npm packages, so their versions follow package-lock.
const VENDOR: Record<string, string> = {
  '/static/vendor/simplewebauthn-browser.js': fromPackageRoot('node_modules/@simplewebauthn/browser/dist/bundle/index.umd.min.js'),
};
const TYPES: Record<string, string> = { '.css': 'text/css', '.js': 'text/javascript', '.svg': 'image/svg+xml', '.png': 'image/png' };

export interface StaticAsset {
  body: Buffer;
  type: string;
  /** A short hash of the content: pages link `?v=<version>`, so a new release is a new URL. */
  version: string;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/**
 * public/ under /static, read once at start: a request path can only ever name one of
 * these files (no traversal to reason about), and each carries its content version.
 */
export const STATIC_ASSETS: ReadonlyMap<string, StaticAsset> = new Map(
  [...walk(PUBLIC_DIR).map((path) => [`/static/${relative(PUBLIC_DIR, path).split('\\').join('/')}`, path] as const), ...Object.entries(VENDOR)].map(
    ([url, path]) => {
      const body = readFileSync(path);
      const version = createHash('sha256').update(body).digest('base64url').slice(0, 12);
      return [url, { body, type: TYPES[extname(path)] ?? 'application/octet-stream', version }];
    },
  ),
);

/**
 * The URL a page uses for a static file: versioned by content, so a browser never runs
 * an old script against a new page (or the reverse) after an upgrade.
 */
export function assetUrl(path: string): string {
  const asset = STATIC_ASSETS.get(path);
  if (!asset) throw new Error(`no static asset ${path}`);
  return `${path}?v=${asset.version}`;
}
