import { fileURLToPath } from 'node:url';
import ejs from 'ejs';
import type { Context } from 'koa';
import { assetUrl } from './static-assets.js';

const VIEWS_DIR = fileURLToPath(new URL('../../views/', import.meta.url));

export interface PageLocals {
  title: string;
  [key: string]: unknown;
}

/**
 * The one owner of `ejs`. Templates escape with `<%= %>` by default; `<%-` is used
 * only for trusted partials and oidc-provider's own logout form.
 */
export async function renderPage(ctx: Context, view: string, locals: PageLocals, status = 200): Promise<void> {
  const html = await ejs.renderFile(`${VIEWS_DIR}${view}.ejs`, { ...locals, csrfToken: ctx.state.csrfToken ?? '', asset: assetUrl }, {
    cache: process.env.NODE_ENV === 'production',
    root: VIEWS_DIR,
    views: [VIEWS_DIR],
  });
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = html;
}
