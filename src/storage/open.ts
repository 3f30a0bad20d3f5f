import type { Config } from '../config/config.js';
import type { Db } from './db.js';
import type { EphemeralStore } from './ephemeral-store.js';
import { loadOrCreateKeyFile } from './key-file.js';
import { migrate } from './migrate.js';
import { lockDataDir } from './data-dir-lock.js';
import { unreachable } from './unreachable.js';
import { collectGarbage } from '../common/collect-garbage.js';

export interface Stores {
  db: Db;
  ephemeral: EphemeralStore;
  keyEncryptionKey: Buffer;
  /** Set when the embedded key file was created now: the caller warns once. */
  createdKeyFile?: string;
  /** Store clients installed without Latchkey's fix (patches/README.md): the caller warns. */
  unpatchedClients?: string[];
}

/** Opens the durable store selected by config, migrated. */
export async function openDb(config: Config): Promise<Db> {
  const url = config.databaseUrl;
  // Each backend is imported only when picked: an embedded start never loads pg, nor a
  // Postgres one PGlite.
  const postgres = url ? await import('./postgres.js') : undefined;
  const embedded = url ? undefined : await openEmbedded(config.dataDir);
  const db = embedded?.db ?? postgres!.createPostgresDb(url!, { queryTimeoutMs: config.dbQueryTimeoutMs });
  // Migrations on a connection of their own, without the statement bound: waiting for
  // another process's migration lock, or building an index, may rightly take longer
  // than a request should wait.
  const migrator = postgres ? postgres.createPostgresDb(url!, { max: 1 }) : db;
  try {
    await migrate(migrator);
  } catch (err) {
    await db.close().catch(() => {});
    throw unreachable(err, 'the database (DATABASE_URL)');
  } finally {
    if (migrator !== db) await migrator.close().catch(() => {});
  }
  // Creating the embedded database (initdb) leaves a copy of the WebAssembly instance's
  // memory behind as garbage: over 300 MB that an idle process keeps resident until some
  // later collection (docs/sizing.md "Memory"). Collected on the next turn, once the
  // frames that opened the database, which still reach it, have returned.
  if (embedded?.created) setTimeout(collectGarbage, 0).unref();
  return db;
}

async function openEmbedded(dataDir: string): Promise<{ db: Db; created: boolean }> {
  const unlock = lockDataDir(dataDir);
  try {
    // Imported only when embedded: PGlite's JavaScript alone is megabytes of a heap that
    // a process on Postgres never needs.
    const { createPgliteDb, pgliteDataExists } = await import('./pglite.js');
    const created = !pgliteDataExists(`${dataDir}/pglite`);
    const db = await createPgliteDb(`${dataDir}/pglite`);
    return {
      db: {
        ...db,
        async close() {
          await db.close();
          unlock();
        },
      },
      created,
    };
  } catch (err) {
    unlock();
    throw err;
  }
}

/** Both stores, as DESIGN.md "Storage" picks them: URLs set → Postgres/Redis, else embedded. */
export async function openStores(config: Config): Promise<Stores> {
  let keyEncryptionKey = config.keyEncryptionKey;
  let createdKeyFile: string | undefined;
  if (!keyEncryptionKey) {
    const file = loadOrCreateKeyFile(config.dataDir);
    keyEncryptionKey = file.key;
    if (file.created) createdKeyFile = file.path;
  }
  const db = await openDb(config);
  let ephemeral: EphemeralStore;
  try {
    // Imported here, not above: the CLI opens only the database through this module, and
    // these bring in the OIDC engine.
    ephemeral = config.redisUrl
      ? await import('./redis.js').then(async (r) => r.createRedisStore(await r.connectRedis(config.redisUrl!), { prefix: config.redisPrefix }))
      : (await import('./memory.js')).createMemoryStore();
  } catch (err) {
    await db.close();
    throw err;
  }
  // Both modules are loaded by now when their store is in use; neither is loaded otherwise.
  const unpatchedClients = [
    ...(config.databaseUrl && !(await import('./postgres.js')).postgresClientHasRequestFix() ? ['pg'] : []),
    ...(config.redisUrl && !(await import('./redis-connection.js')).redisClientHasRequestFix() ? ['ioredis'] : []),
  ];
  return { db, ephemeral, keyEncryptionKey, ...(createdKeyFile ? { createdKeyFile } : {}), ...(unpatchedClients.length ? { unpatchedClients } : {}) };
}
