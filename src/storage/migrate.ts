import { readdirSync, readFileSync } from 'node:fs';
import { fromPackageRoot } from '../common/package-root.js';
import type { Db } from './db.js';

const MIGRATIONS_DIR = fromPackageRoot('migrations');
// Any constant works; it only has to be the same for every Latchkey process.
const MIGRATION_LOCK_ID = 72_540_113;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number.parseInt(file, 10),
      name: file.replace(/\.sql$/, ''),
      sql: readFileSync(`${dir}/${file}`, 'utf8'),
    }));
}

/**
 * Forward-only: applies every numbered file not yet recorded, each in its own
 * transaction. On Postgres an advisory lock makes concurrent starts of several
 * processes safe. Returns the names applied.
 */
export async function migrate(db: Db, migrations = loadMigrations()): Promise<string[]> {
  // Up to date (every start but the first after an upgrade): one read, no transaction,
  // lock or DDL, so a restart does not wait for a catalog write (and its fsync).
  if (await upToDate(db, migrations)) return [];
  return db.transaction(async (tx) => {
    if (db.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set((await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.name);
    }
    return applied;
  });
}

/** Every migration is recorded already; false when the table is missing or any is not. */
async function upToDate(db: Db, migrations: Migration[]): Promise<boolean> {
  const exists = await db.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (!exists.rows[0]?.t) return false;
  const done = new Set((await db.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
  return migrations.every((m) => done.has(m.version));
}
