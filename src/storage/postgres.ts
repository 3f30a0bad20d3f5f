import pg from 'pg';
import type { Db, QueryResult } from './db.js';

/**
 * Whether node-postgres carries Latchkey's fix (patches/pg+*.patch, found by the name it
 * gives the query's callbacks): without it every request with a query stays in memory
 * until the next full collection.
 */
export const postgresClientHasRequestFix = (): boolean => {
  const query = String(Reflect.get(pg.Client.prototype, 'query'));
  return query.includes('const settle = ') && query.includes('const answered = ');
};

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
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: timeout ?? CONNECT_TIMEOUT_MS,
    // On the pool rather than on each statement: a statement given as an object is copied
    // property by property by node-postgres, on every query. Scripts (`exec`) opt out.
    query_timeout: timeout,
    // A transaction's BEGIN goes out with its first statement (`transaction` below).
    pipeline: true,
  });
  // An idle client that loses its connection must not crash the process; the next
  // query reconnects and /readyz reports the outage meanwhile.
  pool.on('error', () => {});

  async function query<Row>(text: string, params?: unknown[]): Promise<QueryResult<Row>> {
    const res = await pool.query(text, params);
    return { rows: res.rows as Row[], rowCount: res.rowCount ?? 0 };
  }

  return {
    kind: 'postgres',
    query,
    async exec(sql) {
      await pool.query(unbounded(sql));
    },
    async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      const client = await idleConnection(pool);
      // Checked out, the client is no longer watched by the pool: a server that goes
      // away between two statements would otherwise be an uncaught 'error' event.
      let broken: Error | undefined;
      const onError = (err: Error) => (broken = err);
      client.on('error', onError);
      // Set when BEGIN is refused: fn's later statements are then refused too, not run
      // outside a transaction (its answer comes before the first statement's).
      let notBegun: { reason: unknown } | undefined;
      const tx: Db = {
        kind: 'postgres',
        async query<Row>(text: string, params?: unknown[]) {
          if (notBegun) throw notBegun.reason;
          const res = await client.query(text, params);
          return { rows: res.rows as Row[], rowCount: res.rowCount ?? 0 };
        },
        async exec(sql) {
          if (notBegun) throw notBegun.reason;
          await client.query(unbounded(sql));
        },
        transaction: (inner) => inner(tx),
        close: async () => {},
      };
      try {
        const [begun, done] = await Promise.allSettled(beginWith(client, () => fn(tx), (reason) => (notBegun = { reason })));
        if (begun.status === 'rejected') throw begun.reason;
        if (done.status === 'rejected') throw done.reason;
        await client.query('COMMIT');
        return done.value;
      } catch (err) {
        // After a timeout the connection is dropped, which rolls back on the server; a
        // ROLLBACK would only wait behind the statement that did not answer.
        if (isTimeout(err)) broken ??= err;
        else await client.query('ROLLBACK').catch((rollbackFailed: Error) => (broken ??= rollbackFailed));
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

/**
 * A pooled connection outside any transaction block ('I'), which every one is once its
 * last transaction committed or rolled back (the others are closed). Checked all the
 * same: the pipelined BEGIN below is safe only then, since fn's first statement is on
 * its way before BEGIN's answer is back. Any other is closed and another one taken.
 */
async function idleConnection(pool: pg.Pool): Promise<pg.PoolClient> {
  for (let attempt = 0; ; attempt++) {
    const client = await pool.connect();
    if (client.getTransactionStatus() === 'I') return client;
    client.release(new Error('a pooled connection was inside a transaction block'));
    if (attempt === 2) throw new Error('no pooled connection outside a transaction block');
  }
}

/**
 * BEGIN, and fn's first statement right behind it in the same write (fn issues it before
 * its first await; the pool's connections are pipelined), so a transaction waits for one
 * answer less. The caller lets both settle before it sends anything else, so no
 * statement of fn can follow its ROLLBACK or COMMIT. BEGIN fails only where the
 * statement behind it fails too (a lost connection; a pool connection is never left in
 * an aborted block); `refused` stops fn's later statements if it ever does.
 */
function beginWith<T>(client: pg.PoolClient, fn: () => Promise<T>, refused: (reason: unknown) => void): [Promise<unknown>, Promise<T>] {
  const socket = client.connection.stream;
  socket.cork();
  try {
    const begin = client.query('BEGIN').catch((reason: unknown) => {
      refused(reason);
      throw reason;
    });
    let work: Promise<T>;
    try {
      work = fn();
    } catch (err) {
      work = Promise.reject(err as Error);
    }
    return [begin, work];
  } finally {
    socket.uncork();
  }
}

// Scripts (migrations: a lock wait or an index build may rightly take longer than any
// request should) run without the pool's bound: node-postgres reads 0 as "the pool's
// value", so this is the longest delay a Node timer takes (about 24 days).
const unbounded = (text: string) => ({ text, query_timeout: 2 ** 31 - 1 });

/** node-postgres' error for a statement that got no answer within query_timeout. */
export function isTimeout(err: unknown): err is Error {
  return err instanceof Error && err.message === 'Query read timeout';
}
