/**
 * Rows read ahead within one request, for the lookups the engine is known to make next:
 * the refresh grant reads a token, then its grant and its account. Reading all three in
 * one statement saves two round trips (sql-adapter.ts, provider/find-account.ts). An
 * entry serves one lookup in the request that read it and is gone after; a write to an
 * oidc-provider model row in the request drops it first. Accounts are written by
 * Latchkey's own pages, never by an engine route (the only requests that read ahead),
 * so a kept account cannot be older than its request.
 */
export interface ReadAhead {
  /** Whether a request is under way to keep rows for. */
  readonly active: boolean;
  /** Keeps what a lookup of `kind` `id` would answer now: the row, or null when absent. */
  keep(kind: string, id: string, row: object | null): void;
  /** What was kept for `kind` `id` in this request (and forgets it); undefined when nothing was. */
  take<T extends object>(kind: string, id: string): T | null | undefined;
  /** Forgets `model` `id`: it is being written. */
  drop(model: string, id: string): void;
}

/**
 * A row of another table read along with a refresh token (the row `t` of oidc_models)
 * in the same statement, kept for the lookup the engine makes next. Supplied by the
 * module that owns the table (the accounts module: the token's account).
 */
export interface ReadAlong {
  /** What the kept rows are looked up as, with take() (`Account`). */
  kind: string;
  /** A LEFT JOIN on `t`, and the columns it adds, named so as not to clash with `t`'s. */
  join: string;
  columns: string;
  /** The id to keep the row under (undefined: nothing to keep), and the row (null: the join found none). */
  idOf(row: Record<string, unknown>): string | undefined;
  rowOf(row: Record<string, unknown>): object | null;
}

/** `currentRequest`: the request being handled (provider/oidc-internals engineRequest); undefined outside one. */
export function createReadAhead(currentRequest: () => object | undefined): ReadAhead {
  const kept = new WeakMap<object, Map<string, object | null>>();
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
    take<T extends object>(model: string, id: string) {
      const map = rows(false);
      const row = map?.get(key(model, id));
      if (row !== undefined) map!.delete(key(model, id));
      return row as T | null | undefined;
    },
    drop(model, id) {
      rows(false)?.delete(key(model, id));
    },
  };
}
