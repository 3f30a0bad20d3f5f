import type { Router } from '@koa/router';
import type { Context, Middleware } from 'koa';
import { renderAdmin, type SectionId } from '../render.js';

export interface Confirmation {
  title: string;
  message: string;
  button: string;
  section: SectionId;
  /** What the action is about, in words (a user's name and address, a client's name). */
  subject: string;
  /** Where "Cancel" goes back to. */
  cancel: string;
}

/**
 * Confirmation before a destructive action: GET `path` is a page whose one form posts to
 * the same path, where the action itself is routed. The view page links here instead of
 * holding the destructive button itself.
 */
export function confirmRoute(router: Router, requireAdmin: Middleware, path: string, describe: (ctx: Context) => Promise<Confirmation>): void {
  router.get(path, requireAdmin, async (ctx) => {
    const page = await describe(ctx);
    await renderAdmin(ctx, 'confirm', { ...page, action: ctx.path });
  });
}
