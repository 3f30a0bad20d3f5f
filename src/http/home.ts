import type { PageModule } from '../pages/page-module.js';
import { renderPage } from '../pages/render.js';
import { methodNotAllowed } from './not-found.js';

/** `GET /`: tells a person who lands here to go back to their application. */
export function homePage(): PageModule {
  return {
    prefixes: ['/'],
    middleware: async (ctx) => {
      if (ctx.method === 'GET' || ctx.method === 'HEAD') return renderPage(ctx, 'home', { title: 'Latchkey' });
      methodNotAllowed(ctx, ['GET', 'HEAD']);
    },
  };
}
