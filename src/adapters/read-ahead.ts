import type { AdapterPayload } from './adapter.js';
import { engineRequest } from './engine-request.js';

/**
 * Rows read ahead within one request, for the lookup the engine is known to make next:
 * the refresh grant reads a token, then its grant. Reading both in one statement saves
 * a round trip (sql-adapter.ts). An entry serves one lookup in the request that read it
 * and is gone after; a write to that row in the request drops it first, so nothing is
 * ever answered from older data than a lookup made then would see.
 */
export interface ReadAhead {
  /** Whether a request is under way to keep rows for. */
  readonly active: boolean;
  /** Keeps what a lookup of `model` `id` would answer now: its payload, or null when absent. */
  keep(model: string, id: string, row: AdapterPayload | null): void;
  /** What was kept for `model` `id` in this request (and forgets it); undefined when nothing was. */
  take(model: string, id: string): AdapterPayload | null | undefined;
  /** Forgets `model` `id`: it is being written. */
  drop(model: string, id: string): void;
}

export function createReadAhead(currentRequest: () => object | undefined = engineRequest): ReadAhead {
  const kept = new WeakMap<object, Map<string, AdapterPayload | null>>();
  const rows = (create: boolean) => {
    const request = currentRequest();
    if (!request) return undefined;
    let map = kept.get(request);
    if (!map && create) kept.set(request, (map = new Map()));
    return map;
  };
  const key = (model: string, id: string) => `${model}\0${id}`;
  return {
    get active() {
      return currentRequest() !== undefined;
    },
    keep(model, id, row) {
      rows(true)?.set(key(model, id), row);
    },
    take(model, id) {
      const map = rows(false);
      const row = map?.get(key(model, id));
      if (row !== undefined) map!.delete(key(model, id));
      return row;
    },
    drop(model, id) {
      rows(false)?.delete(key(model, id));
    },
  };
}
