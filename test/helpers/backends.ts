import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scratchDatabase } from './scratch-database.js';
import type { Db } from '../../src/storage/db.js';
import { createPgliteDb } from '../../src/storage/pglite.js';
import { createPostgresDb } from '../../src/storage/postgres.js';
import type { Redis } from 'ioredis';
import type { EphemeralStore } from '../../src/storage/ephemeral-store.js';
import { createMemoryStore } from '../../src/storage/memory.js';
import { connectRedis, createRedisStore } from '../../src/storage/redis.js';
import { migrate } from '../../src/storage/migrate.js';
import { parseConfig } from '../../src/config/config.js';

/**
 * Every suite that touches storage runs once per backend: embedded always, Postgres +
 * Redis when TEST_DATABASE_URL / TEST_REDIS_URL are set. Under CI=true a missing
 * backend is a failure, not a skip.
 */
export interface Backend {
  name: 'embedded' | 'postgres+redis';
  open(): Promise<OpenBackend>;
}

export interface OpenBackend {
  db: Db;
  ephemeral: EphemeralStore;
  /** The ephemeral store's own Redis client, for tests that look inside it or cut it off. */
  redis?: Redis;
  /** The database URL, for child processes (CLI tests); undefined when embedded. */
  databaseUrl?: string;
  redisUrl?: string;
  redisPrefix: string;
  dataDir: string;
  /** One per open backend, so several Latchkey instances over it share their keys. */
  keyEncryptionKey: Buffer;
  close(): Promise<void>;
}

function embedded(): Backend {
  return {
    name: 'embedded',
    async open() {
      const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-test-'));
      const db = await createPgliteDb(join(dataDir, 'pglite'));
      await migrate(db);
      const ephemeral = createMemoryStore();
      return {
        db,
        ephemeral,
        redisPrefix: '',
        dataDir,
        keyEncryptionKey: randomBytes(32),
        async close() {
          await db.close();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  };
}

function postgresRedis(databaseUrl: string, redisUrl: string): Backend {
  return {
    name: 'postgres+redis',
    async open() {
      // A database and a key prefix of its own: no test depends on leftovers.
      const scratch = await scratchDatabase(databaseUrl);
      // Bounded as in production (LATCHKEY_DB_QUERY_TIMEOUT_MS's default), so every suite runs with it.
      const db = createPostgresDb(scratch.url, { queryTimeoutMs: parseConfig({}).dbQueryTimeoutMs });
      await migrate(db);
      const redisPrefix = `latchkey-test:${randomBytes(6).toString('hex')}:`;
      const redis = await connectRedis(redisUrl);
      const ephemeral = createRedisStore(redis, { prefix: redisPrefix });
      const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-test-'));
      return {
        db,
        ephemeral,
        redis,
        databaseUrl: scratch.url,
        redisUrl,
        redisPrefix,
        dataDir,
        keyEncryptionKey: randomBytes(32),
        async close() {
          const keys = await redis.keys(`${redisPrefix}*`);
          if (keys.length) await redis.del(...keys);
          await ephemeral.close();
          await db.close();
          await scratch.drop();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  };
}

export function backends(): Backend[] {
  const list = [embedded()];
  const { TEST_DATABASE_URL, TEST_REDIS_URL, CI } = process.env;
  if (TEST_DATABASE_URL && TEST_REDIS_URL) {
    list.push(postgresRedis(TEST_DATABASE_URL, TEST_REDIS_URL));
  } else if (CI === 'true') {
    throw new Error('CI=true but TEST_DATABASE_URL and TEST_REDIS_URL are not both set: the Postgres + Redis suite must run in CI');
  }
  return list;
}

/**
 * The Postgres server for suites that need only Postgres (the CLI runs in child
 * processes against a database URL). Undefined when unset, except under CI=true,
 * where a missing one is a failure, as in `backends()`.
 */
export function testDatabaseUrl(): string | undefined {
  const { TEST_DATABASE_URL, CI } = process.env;
  if (!TEST_DATABASE_URL && CI === 'true') {
    throw new Error('CI=true but TEST_DATABASE_URL is not set: the Postgres suites must run in CI');
  }
  return TEST_DATABASE_URL || undefined;
}
