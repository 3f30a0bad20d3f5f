import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Config } from '../config/config.js';
import { parseConfig } from '../config/config.js';
import type { Db } from '../storage/db.js';
import type { EphemeralStore } from '../storage/ephemeral-store.js';
import { openDb } from '../storage/open.js';
import { readPassword } from './prompt.js';

export interface CliStores {
  db: Db;
  ephemeral: EphemeralStore;
}

/**
 * What a command runs against. Commands never open stores or write to the process
 * themselves: run from a terminal they get stores opened for the one command
 * (localContext); handed over the data directory's socket they run inside the running
 * server against its own open stores (cli/socket-server.ts), with output captured.
 */
export interface CliContext {
  readonly config: Config;
  /** Runs fn against the durable store. */
  withDb<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  /** Runs fn against both stores: ephemeral state (failure counters, tokens) too. */
  withStores<T>(fn: (stores: CliStores) => Promise<T>): Promise<T>;
  /** The password from the flag, else the one the caller typed or piped in. */
  readPassword(flag: string | undefined): Promise<string>;
  /** A file named on the command line, relative to the caller's working directory. */
  readFile(path: string): string;
  out(text: string): void;
  err(text: string): void;
}

/** Stores opened for one command, in this process; closed when it is done. */
export function localContext(env: Record<string, string | undefined> = process.env): CliContext {
  let config: Config | undefined;
  const getConfig = () => (config ??= parseConfig(env));
  const withDb = async <T>(fn: (db: Db) => Promise<T>): Promise<T> => {
    const db = await openDb(getConfig());
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  };
  return {
    get config() {
      return getConfig();
    },
    withDb,
    withStores: (fn) =>
      withDb(async (db) => {
        const c = getConfig();
        // Embedded with no server running: the ephemeral state went with the last process.
        // Loaded only when needed: most commands never touch ephemeral state, nor need the
        // OIDC engine these modules bring in.
        const ephemeral = c.redisUrl
          ? await import('../storage/redis.js').then(async (r) => r.createRedisStore(await r.connectRedis(c.redisUrl!), { prefix: c.redisPrefix }))
          : (await import('../storage/memory.js')).createMemoryStore();
        try {
          return await fn({ db, ephemeral });
        } finally {
          await ephemeral.close();
        }
      }),
    readPassword,
    readFile: (path) => readFileSync(path, 'utf8'),
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  };
}

/** A context inside the running server: its stores, the caller's input, captured output. */
export function serverContext(
  config: Config,
  stores: CliStores,
  caller: { cwd: string; password?: string },
): CliContext & { stdout(): string; stderr(): string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    config,
    withDb: (fn) => fn(stores.db),
    withStores: (fn) => fn(stores),
    async readPassword(flag) {
      if (flag !== undefined) return flag;
      if (caller.password === undefined) throw new Error('no password was sent');
      return caller.password;
    },
    readFile: (path) => readFileSync(isAbsolute(path) ? path : resolve(caller.cwd, path), 'utf8'),
    out: (text) => void out.push(text),
    err: (text) => void err.push(text),
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}
