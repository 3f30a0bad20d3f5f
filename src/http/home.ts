import type { PageModule } from '../pages/page-module.js';
import { renderPage } from '../pages/render.js';
import { DEV_MAILBOX_PREFIX } from './dev-mailbox.js';
import { methodNotAllowed } from './not-found.js';

/**
 * `GET /`: tells a person who lands here to go back to their application, and links
 * where they (or a developer trying Latchkey out) can go from here: the account page,
 * the discovery document, and the local mailbox when it is on.
 */
export function homePage(options: { devMailbox: boolean }): PageModule {
  const mailbox = options.devMailbox ? DEV_MAILBOX_PREFIX : undefined;
  return {
    prefixes: ['/'],
    middleware: async (ctx) => {
      if (ctx.method === 'GET' || ctx.method === 'HEAD') return renderPage(ctx, 'home', { title: 'Latchkey', mailbox });
      methodNotAllowed(ctx, ['GET', 'HEAD']);
    },
  };
}
