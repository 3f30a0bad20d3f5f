import type { PageModule } from '../pages/page-module.js';
import { renderPage } from '../pages/render.js';

/** `GET /`: tells a person who lands here to go back to their application. */
export function homePage(): PageModule {
  return {
    prefixes: ['/'],
    middleware: async (ctx, next) => (ctx.method === 'GET' ? renderPage(ctx, 'home', { title: 'Latchkey' }) : next()),
  };
}
