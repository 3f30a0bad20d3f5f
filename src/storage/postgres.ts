import pg from 'pg';
import type { Db, QueryResult } from './db.js';

// Postgres returns bigint/count as strings by default; our counts fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));

export function createPostgresDb(connectionString: string, options: { max?: number } = {}): Db {
  // A connection attempt that gets no answer gives up rather than holding the request:
  // Latchkey fails closed (store-outage.ts) while the database is away.
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its connection must not crash the process; the next
  // query reconnects and /readyz reports the outage meanwhile.
  pool.on('error', () => {});

  async function query<Row>(text: string, params?: unknown[]): Promise<QueryResult<Row>> {
    const res = await pool.query(text, params as unknown[]);
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
      const tx: Db = {
        kind: 'postgres',
        async query<Row>(text: string, params?: unknown[]) {
          const res = await client.query(text, params as unknown[]);
          return { rows: res.rows as Row[], rowCount: res.rowCount ?? 0 };
        },
        async exec(sql) {
          await client.query(sql);
        },
        transaction: (inner) => inner(tx),
        close: async () => {},
      };
      try {
        await client.query('BEGIN');
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
