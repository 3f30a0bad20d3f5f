import ejs from 'ejs';
import type { Context } from 'koa';
import { assetUrl } from './static-assets.js';
import { fromPackageRoot } from '../common/package-root.js';

const VIEWS_DIR = `${fromPackageRoot('views')}/`;

export interface PageLocals {
  title: string;
  [key: string]: unknown;
}

/**
 * The one owner of `ejs`, for pages and mail alike (mail/ renders through renderView).
 * Templates escape with `<%= %>` by default; `<%-` is used only for trusted partials and
 * oidc-provider's own logout form. `text: true` is for plain-text mail bodies, where
 * HTML escaping would only garble what the person reads.
 */
export async function renderView(view: string, locals: Record<string, unknown>, options: { text?: boolean } = {}): Promise<string> {
  return ejs.renderFile(`${VIEWS_DIR}${view}.ejs`, locals, {
    cache: process.env.NODE_ENV === 'production',
    root: VIEWS_DIR,
    views: [VIEWS_DIR],
    ...(options.text ? { escape: String } : {}),
  });
}

export async function renderPage(ctx: Context, view: string, locals: PageLocals, status = 200): Promise<void> {
  const html = await renderView(view, { ...locals, csrfToken: ctx.state.csrfToken ?? '', asset: assetUrl });
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = html;
}
