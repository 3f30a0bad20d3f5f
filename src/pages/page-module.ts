import type { Middleware } from 'koa';

/**
 * One of Latchkey's own page areas (a router, the home page, health, static files) with
 * the path prefixes it answers. http/dispatch.ts builds the request dispatch from these,
 * so a new router is reachable as soon as it is listed, and protocol requests never
 * enter the page stack. It lives here, below every router, so routers can return it.
 *
 * A prefix matches itself and every path below it (`/account` → `/account`,
 * `/account/passkeys`); `/` matches the home page only.
 */
export interface PageModule {
  readonly prefixes: readonly string[];
  readonly middleware: Middleware;
}
