import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Db, QueryResult } from './db.js';

/** The embedded database's buffer pool. */
const SHARED_BUFFERS = '8MB';
/**
 * How much a WebAssembly function runs before V8 optimises it (TurboFan); V8's default is
 * 1,800,000. Postgres starting up crosses that in hundreds of functions, and optimising
 * them was about 0.5 s of CPU on every start, more than the main thread spent; on a busy
 * or single-core host that is start-up time. A hundred times more keeps start-up on the
 * baseline code while what a running server keeps hot is still optimised: the query rate
 * after warm-up is the same (bench/README.md "Restart"). Read when PGlite instantiates.
 */
const WASM_TIERING_BUDGET = 180_000_000;

type Queryable = Pick<PGlite, 'query'> | Transaction;

function wrap(q: Queryable) {
  return async function query<Row>(text: string, params?: unknown[]): Promise<QueryResult<Row>> {
    const res = await q.query<Row>(text, params as unknown[]);
    return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
  };
}

/** Whether a database was created in this directory before (initdb writes PG_VERSION). */
export function pgliteDataExists(dataDir: string): boolean {
  return existsSync(join(dataDir, 'PG_VERSION'));
}

/** Embedded Postgres (WASM) in a directory: single-process, for development and demos. */
export async function createPgliteDb(dataDir: string | undefined): Promise<Db> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  setFlagsFromString(`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`);
  // Postgres's default 128 MB of shared buffers is memory the WebAssembly instance writes
  // at start, so all of it is resident. 8 MB (1,024 pages) still holds an embedded
  // Latchkey's hot rows and indexes, and what misses them is read through the host's
  // file cache: against 16 MB, 7-13 MB less resident at idle and 14-30 MB less at the
  // peak of a token load, at the same rate (bench/README.md, docs/sizing.md).
  const pglite = await PGlite.create(dataDir, { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`] });
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
