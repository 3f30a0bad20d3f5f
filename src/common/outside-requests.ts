import { AsyncResource } from 'node:async_hooks';

// Made when this module loads, at start-up, where no request is being handled.
const outside = new AsyncResource('latchkey.outside-requests');

/**
 * Runs `fn` as if no request were being handled. The engine keeps each request's context
 * in an AsyncLocalStorage (oidc-provider's Provider.ctx), and Node stores that context on
 * every promise, timer and socket made while the request runs: a promise kept in a cache,
 * a timer or a connection started by a request would hold that request (its context,
 * request, response and body) for as long as it lives. What outlives a request is made
 * in here instead. Awaiting the result inside a request still resumes in that request.
 */
export function outsideRequests<T>(fn: () => T): T {
  // A resource of its own per call, made inside the clean one: whatever `fn` does to the
  // context it runs in (an AsyncLocalStorage's enterWith, say) stays with that call.
  return outside.runInAsyncScope(() => new AsyncResource('latchkey.outside-requests.call').runInAsyncScope(fn));
}

/**
 * A process-wide lazy load: the first call starts `load` outside any request (see above),
 * every later call gets the same promise, and a failed load is forgotten so the next
 * caller tries again rather than being handed the old rejection for the process's life.
 */
export function onceOutsideRequests<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= outsideRequests(() =>
      load().catch((err: unknown) => {
        loading = undefined;
        throw err;
      }),
    ));
}
