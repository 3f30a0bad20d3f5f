import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Db, QueryResult } from './db.js';

type Queryable = Pick<PGlite, 'query'> | Transaction;

function wrap(q: Queryable) {
  return async function query<Row>(text: string, params?: unknown[]): Promise<QueryResult<Row>> {
    const res = await q.query<Row>(text, params as unknown[]);
    return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
  };
}

/** Embedded Postgres (WASM) in a directory: single-process, for development and demos. */
export async function createPgliteDb(dataDir: string | undefined): Promise<Db> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir);
  return {
    kind: 'pglite',
    query: wrap(pglite),
    async exec(sql) {
      await pglite.exec(sql);
    },
    transaction(fn) {
      return pglite.transaction(async (t) => {
        const tx: Db = {
          kind: 'pglite',
          query: wrap(t),
          async exec(sql) {
            await t.exec(sql);
          },
          transaction: (inner) => inner(tx),
          close: async () => {},
        };
        return fn(tx);
      });
    },
    close: () => pglite.close(),
  };
}
