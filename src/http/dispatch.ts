import compose from 'koa-compose';
import type { Middleware } from 'koa';
import type { PageModule } from '../pages/page-module.js';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One expression for a list of prefixes, with the matching rule PageModule describes. */
export function prefixPattern(prefixes: readonly string[]): RegExp {
  const alternatives = prefixes.map((prefix) => {
    if (!prefix.startsWith('/')) throw new Error(`page prefix ${prefix} must start with /`);
    const trimmed = prefix.replace(/\/+$/, '');
    return trimmed === '' ? '/$' : `${escape(trimmed)}(?:/|$)`;
  });
  // An empty list matches nothing rather than everything.
  return alternatives.length ? new RegExp(`^(?:${alternatives.join('|')})`) : /$^/;
}

/**
 * Latchkey's own pages by declared prefix, in the order given; each module sees only its
 * own paths. Everything else (token, introspection, discovery…) skips the page stack
 * entirely on its way to oidc-provider, and a page request that no module answers falls
 * through to it too.
 */
export function dispatch(modules: readonly PageModule[]): Middleware {
  const own = prefixPattern(modules.flatMap((m) => m.prefixes));
  const pages = compose(
    modules.map((m): Middleware => {
      const mine = prefixPattern(m.prefixes);
      return (ctx, next) => (mine.test(ctx.path) ? m.middleware(ctx, next) : next());
    }),
  );
  return (ctx, next) => (own.test(ctx.path) ? pages(ctx, next) : next());
}
