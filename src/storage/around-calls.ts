/**
 * What a store call is named: its method under the scope that made the object
 * (`adapterFor:Interaction.find`, `kv:replay.claim`). Scopes come from the first
 * argument of the method that handed the object back (a model, namespace or limiter
 * name: fixed in code, so a bounded set).
 */
function childScope(scope: string, prop: string, args: unknown[]): string {
  const first = args[0];
  const name = typeof first === 'string' ? first : (first as { name?: unknown } | null)?.name;
  return `${scope}${typeof name === 'string' ? `${prop}:${name}` : prop}.`;
}

/**
 * The same object, with `around` applied to every promise one of its methods returns
 * (with the call's name, `adapterFor:AccessToken.find`),
 * and the same done to every object a method hands back synchronously (an adapter, a
 * key-value namespace, a limiter). Every method keeps its own `this` (the real object).
 * The one mechanism behind failing closed on a store outage (store-outage.ts) and
 * counting store calls (ops/instrument-stores.ts).
 */
export function aroundCalls<T extends object>(target: T, around: (out: Promise<unknown>, operation: string) => Promise<unknown>, scope = ''): T {
  // Each method's wrapper made once (store calls are on every request), again only if the method itself changed.
  let wrappers: Map<PropertyKey, { method: (...args: unknown[]) => unknown; wrapper: (...args: unknown[]) => unknown }> | undefined;
  return new Proxy(target, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop);
      if (typeof value !== 'function') return value;
      const known = wrappers?.get(prop);
      if (known?.method === value) return known.wrapper;
      const method = value as (...args: unknown[]) => unknown;
      // Named once here, not per call: a string built per call is hashed anew wherever it is looked up.
      const operation = `${scope}${String(prop)}`;
      const wrapper = (...args: unknown[]) => {
        const out: unknown = method.apply(obj, args);
        if (out instanceof Promise) return around(out, operation);
        return out !== null && typeof out === 'object' ? aroundCalls(out, around, childScope(scope, String(prop), args)) : out;
      };
      (wrappers ??= new Map()).set(prop, { method, wrapper });
      return wrapper;
    },
  });
}
