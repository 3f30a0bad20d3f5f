import type { Context, Middleware } from 'koa';

/**
 * One layer's work around the rest of a request, as hooks rather than an
 * `async (ctx, next) => { …; await next(); … }` middleware. Each Koa layer costs every
 * request a dispatch, and an async one a promise of its own plus one per await; with the
 * engine's AsyncLocalStorage in place, Node also runs its promise hooks on every one of
 * them. The layers every request passes (metrics, log, headers, error pages, checks)
 * are folded by `around()` into one middleware that makes one promise for them all.
 *
 * A layer behaves as if it were written
 *
 *     enter(ctx);
 *     try {
 *       try { await inner(); } catch (err) { if (!failed) throw err; await failed(ctx, err); }
 *       await leave(ctx);
 *     } finally { done(ctx); }
 */
export interface Around {
  /** Before the inner layers. A throw here is handled as a throw from the inner layers would be, by the outer layers. */
  enter?(ctx: Context): void;
  /** The inner layers threw: handle it (return) or throw (the same error or another). */
  failed?(ctx: Context, err: unknown): void | Promise<void>;
  /** The inner layers finished, or their error was handled by `failed`. A throw goes outwards. */
  leave?(ctx: Context): void | Promise<void>;
  /** Last, whatever happened inside. */
  done?(ctx: Context): void;
}

/** The layers, outermost first, as one middleware (see Around for what each hook means). */
export function around(layers: readonly Around[]): Middleware {
  return async (ctx, next) => {
    let entered = 0;
    // Boxed: `undefined` may itself be what was thrown.
    let failure: { err: unknown } | undefined;
    try {
      for (; entered < layers.length; entered++) layers[entered]!.enter?.(ctx);
      await next();
    } catch (err) {
      failure = { err };
    }
    // Unwound innermost first, from the last layer whose `enter` returned.
    for (let i = entered - 1; i >= 0; i--) {
      const layer = layers[i]!;
      try {
        if (failure) {
          if (!layer.failed) throw failure.err;
          const { err } = failure;
          failure = undefined;
          // Awaited only when a hook returned a promise: no promise for the ones that ran synchronously.
          const handled = layer.failed(ctx, err);
          if (handled) await handled;
        }
        const left = layer.leave?.(ctx);
        if (left) await left;
      } catch (err) {
        failure = { err };
      }
      try {
        layer.done?.(ctx);
      } catch (err) {
        failure = { err };
      }
    }
    if (failure) throw failure.err;
  };
}
