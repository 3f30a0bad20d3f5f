import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Whether a database was created in this directory before (initdb writes PG_VERSION).
 * Apart from pglite.ts, so the CLI can ask without loading PGlite.
 */
export function pgliteDataExists(dataDir: string): boolean {
  return existsSync(join(dataDir, 'PG_VERSION'));
}
