import type { Config } from '../config/config.js';
import type { Db } from './db.js';
import type { EphemeralStore } from './ephemeral-store.js';
import { loadOrCreateKeyFile } from './key-file.js';
import { migrate } from './migrate.js';
import { lockDataDir } from './data-dir-lock.js';
import { unreachable } from './unreachable.js';

export interface Stores {
  db: Db;
  ephemeral: EphemeralStore;
  keyEncryptionKey: Buffer;
  /** Set when the embedded key file was created now: the caller warns once. */
  createdKeyFile?: string;
}

/** Opens the durable store selected by config, migrated. */
export async function openDb(config: Config): Promise<Db> {
  // Each backend is imported only when picked: an embedded start never loads pg, nor a
  // Postgres one PGlite.
  const db = config.databaseUrl ? (await import('./postgres.js')).createPostgresDb(config.databaseUrl) : await openEmbedded(config.dataDir);
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => {});
    throw unreachable(err, 'the database (DATABASE_URL)');
  }
  return db;
}

async function openEmbedded(dataDir: string): Promise<Db> {
  const unlock = lockDataDir(dataDir);
  try {
    // Imported only when embedded: PGlite's JavaScript alone is megabytes of a heap that
    // a process on Postgres never needs.
    const { createPgliteDb } = await import('./pglite.js');
    const db = await createPgliteDb(`${dataDir}/pglite`);
    return {
      ...db,
      async close() {
        await db.close();
        unlock();
      },
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
  return { db, ephemeral, keyEncryptionKey, ...(createdKeyFile ? { createdKeyFile } : {}) };
}
