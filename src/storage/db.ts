/**
 * The one database interface repositories and adapters use. Postgres (`pg`) and the
 * embedded PGlite both satisfy it, so the same SQL runs on both.
 */
export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

export interface Db {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<Row>>;
  /** Runs a script of several statements (migrations). */
  exec(sql: string): Promise<void>;
  /** Runs fn on one connection inside BEGIN/COMMIT; rolls back when fn throws. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  readonly kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}
