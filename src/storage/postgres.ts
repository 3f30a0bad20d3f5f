import pg from 'pg';
import type { Db, QueryResult } from './db.js';

// Postgres returns bigint/count as strings by default; our counts fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));

export interface PostgresOptions {
  max?: number;
  /**
   * How long a request waits for a connection and for each statement's answer (ms;
   * LATCHKEY_DB_QUERY_TIMEOUT_MS). A server that stopped answering (frozen, a network
   * that drops packets) then fails the request closed (store-outage.ts) instead of
   * holding it for ever; the connection that timed out is dropped, not reused. 0 or
   * unset: no bound on statements (migrations: a lock wait or an index build may
   * rightly take longer than any request should).
   */
  queryTimeoutMs?: number;
}

// A connection attempt without a bound given: gives up rather than holding the request.
const CONNECT_TIMEOUT_MS = 10_000;

export function createPostgresDb(connectionString: string, options: PostgresOptions = {}): Db {
  const timeout = options.queryTimeoutMs || undefined;
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10, connectionTimeoutMillis: timeout ?? CONNECT_TIMEOUT_MS });
  // An idle client that loses its connection must not crash the process; the next
  // query reconnects and /readyz reports the outage meanwhile.
  pool.on('error', () => {});
  // Per statement rather than on the pool, so scripts (`exec`) stay unbounded.
  const bounded = (text: string, params?: unknown[]) => ({ text, values: params as unknown[], ...(timeout ? { query_timeout: timeout } : {}) });

  async function query<Row>(text: string, params?: unknown[]): Promise<QueryResult<Row>> {
    const res = await pool.query(bounded(text, params));
    return { rows: res.rows as Row[], rowCount: res.rowCount ?? 0 };
  }

  return {
    kind: 'postgres',
    query,
    async exec(sql) {
      await pool.query(sql);
    },
    async transaction(fn) {
      const client = await pool.connect();
      // Checked out, the client is no longer watched by the pool: a server that goes
      // away between two statements would otherwise be an uncaught 'error' event.
      let broken: Error | undefined;
      const onError = (err: Error) => (broken = err);
      client.on('error', onError);
      const tx: Db = {
        kind: 'postgres',
        async query<Row>(text: string, params?: unknown[]) {
          const res = await client.query(bounded(text, params));
          return { rows: res.rows as Row[], rowCount: res.rowCount ?? 0 };
        },
        async exec(sql) {
          await client.query(sql);
        },
        transaction: (inner) => inner(tx),
        close: async () => {},
      };
      try {
        await client.query(bounded('BEGIN'));
        const result = await fn(tx);
        await client.query(bounded('COMMIT'));
        return result;
      } catch (err) {
        // After a timeout the connection is dropped, which rolls back on the server; a
        // ROLLBACK would only wait behind the statement that did not answer.
        if (isTimeout(err)) broken ??= err;
        else await client.query(bounded('ROLLBACK')).catch((rollbackFailed: Error) => (broken ??= rollbackFailed));
        throw err;
      } finally {
        client.off('error', onError);
        // A connection that failed or could not roll back is closed, not handed to the next request.
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

/** node-postgres' error for a statement that got no answer within query_timeout. */
export function isTimeout(err: unknown): err is Error {
  return err instanceof Error && err.message === 'Query read timeout';
}
