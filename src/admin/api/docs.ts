import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type Router from '@koa/router';
import { assetUrl } from '../../pages/static-assets.js';

// swagger-ui-dist's own files, served as they are installed (nothing copied into the repo);
// only these two names can be asked for, so no path from a request reaches the disk.
const SWAGGER_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const FILES: Record<string, string> = { 'swagger-ui-bundle.js': 'text/javascript', 'swagger-ui.css': 'text/css' };

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * `/admin/api/docs`: the interactive reference (Swagger UI) for the document at
 * `specUrl`, with its scripts and styles from this origin and the initialiser in
 * public/js/admin-api-docs.js (the CSP allows no inline script).
 */
export function mountDocs(router: Router, paths: { docs: string; specUrl: string }): void {
  const cache = new Map<string, Buffer>();
  const asset = (file: string) => `${paths.docs}/assets/${file}`;
  router.get(`${paths.docs}/assets/:file`, async (ctx) => {
    const type = Object.hasOwn(FILES, ctx.params.file!) ? FILES[ctx.params.file!] : undefined;
    if (!type) return;
    let body = cache.get(ctx.params.file!);
    if (!body) cache.set(ctx.params.file!, (body = await readFile(join(SWAGGER_DIR, ctx.params.file!))));
    ctx.type = type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = body;
  });
  router.get(paths.docs, (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Latchkey admin API reference</title>
<link rel="icon" href="${assetUrl('/static/favicon.svg')}">
<link rel="stylesheet" href="${asset('swagger-ui.css')}">
</head>
<body>
<main id="swagger-ui" data-spec="${escapeAttr(paths.specUrl)}"><p>Loading the Latchkey admin API reference… The document itself is at <a href="${escapeAttr(paths.specUrl)}">${escapeAttr(paths.specUrl)}</a>.</p></main>
<script src="${asset('swagger-ui-bundle.js')}"></script>
<script src="${assetUrl('/static/js/admin-api-docs.js')}"></script>
</body>
</html>
`;
  });
}
