import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { migrate } from '../../src/storage/migrate.js';
import { createPostgresDb } from '../../src/storage/postgres.js';
import { connectRedis, createRedisStore } from '../../src/storage/redis.js';
import type { OpenBackend } from './backends.js';

/**
 * A Redis or Postgres server of a test's own (own port, own directory), for tests that
 * kill a store: the shared servers are never stopped. `kill()` is a crash (SIGKILL to
 * the whole process group, no shutdown), `start()` brings it back on the same port and
 * directory, resolving once it accepts connections. `freeze()` stops it without closing
 * anything (SIGSTOP to it and its children: connections stay open and get no answer, as from a
 * hung machine), `thaw()` lets it go on (SIGCONT).
 */
export interface OwnStore {
  url: string;
  port: number;
  start(): Promise<void>;
  kill(): Promise<void>;
  freeze(): void;
  thaw(): void;
  /** Stops it for good and removes its directory. */
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/**
 * `count` different free ports: each is held until all are found, so two calls in a row
 * can never hand out the same port (the kernel may reuse one just released).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer().listen(0, '127.0.0.1'));
  await Promise.all(servers.map((server) => once(server, 'listening')));
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => (server.close(), once(server, 'close'))));
  return ports;
}

/**
 * Spawns `command` in a process group of its own and resolves once `ready` matches its
 * output (stdout or stderr); rejects if it exits first.
 */
async function startProcess(command: string, args: string[], ready: RegExp, options: { cwd?: string; uid?: number; gid?: number } = {}): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...options });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${command} exited with ${code}: ${out}`));
    child.once('error', reject);
    child.once('exit', onExit);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (ready.test(out)) {
        child.off('exit', onExit);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  });
  // A test that fails or is cancelled must not leave a server behind (it runs in its own group).
  const reap = () => killAll(child.pid!);
  process.once('exit', reap);
  child.once('exit', () => process.off('exit', reap));
  // Keep draining the pipes so the server never blocks on a full one.
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

/** SIGKILL to the whole group (the server and every child it forked), then waits for the leader to be gone. */
async function crash(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  killAll(child.pid!);
  await exited;
}

/**
 * SIGKILL to the server's group and to every process it forked (Postgres backends are in
 * sessions of their own; stopped by freeze(), they would never notice the postmaster die).
 */
function killAll(pid: number): void {
  for (const target of [...childrenOf(pid), -pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * A signal to a running server and every process it forked. Not to its process group:
 * Postgres backends start sessions of their own (setsid), so a group signal would stop
 * the postmaster only, and connections already open would go on answering.
 */
function signal(child: ChildProcess | undefined, name: 'SIGSTOP' | 'SIGCONT'): void {
  if (!child || child.exitCode !== null || child.signalCode !== null) throw new Error(`no running server to ${name}`);
  for (const pid of [child.pid!, ...childrenOf(child.pid!)]) process.kill(pid, name);
}

/** The pids whose parent is `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after the last ')'.
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

/** `redis-server` on a free port, nothing saved to disk (a restart comes back empty, as after a crash without persistence). */
export async function ownRedis(): Promise<OwnStore> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-redis-'));
  let child: ChildProcess | undefined;
  const store: OwnStore = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      child = await startProcess('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], /Ready to accept connections/, {
        cwd: dir,
      });
    },
    kill: () => crash(child),
    freeze: () => signal(child, 'SIGSTOP'),
    thaw: () => signal(child, 'SIGCONT'),
    async close() {
      await crash(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await store.start();
  return store;
}

function postgresBin(name: string): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  if (!versions.length) throw new Error('no PostgreSQL server under /usr/lib/postgresql');
  return `/usr/lib/postgresql/${versions[0]}/bin/${name}`;
}

/**
 * As the `postgres` user when this process is root (Postgres refuses to run as root),
 * spawned directly (not through runuser) so this process is the server's parent and
 * reaps it when it is killed: a zombie postmaster would hold the data directory's lock.
 */
function asPostgres(): { uid?: number; gid?: number } {
  return process.getuid?.() === 0 ? { uid: idOf('-u'), gid: idOf('-g') } : {};
}

/**
 * A Postgres cluster of its own: initdb into a temporary directory (trust auth, user
 * `latchkey`), `postgres` on a free port of 127.0.0.1, its socket in the same directory.
 * fsync is off (a test's data need not survive the machine, only the server's crash:
 * what was committed is in the WAL the restart replays).
 */
export async function ownPostgres(): Promise<OwnStore> {
  const port = await freePort();
  const root = mkdtempSync(join(tmpdir(), 'latchkey-pg-'));
  const data = join(root, 'data');
  if (process.getuid?.() === 0) chownSync(root, idOf('-u'), idOf('-g'));
  const init = spawn(postgresBin('initdb'), ['-D', data, '-U', 'latchkey', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: root,
    ...asPostgres(),
  });
  let initOut = '';
  init.stdout!.on('data', (c: Buffer) => (initOut += c.toString()));
  init.stderr!.on('data', (c: Buffer) => (initOut += c.toString()));
  const [code] = (await once(init, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`initdb failed (${code}): ${initOut}`);

  let child: ChildProcess | undefined;
  const store: OwnStore = {
    url: `postgres://latchkey@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      child = await startProcess(postgresBin('postgres'), [
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        root,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'max_connections=60',
      ], /database system is ready to accept connections/, { cwd: root, ...asPostgres() });
    },
    kill: () => crash(child),
    freeze: () => signal(child, 'SIGSTOP'),
    thaw: () => signal(child, 'SIGCONT'),
    async close() {
      await crash(child);
      rmSync(root, { recursive: true, force: true });
    },
  };
  await store.start();
  return store;
}

/** The `postgres` user's uid (-u) or gid (-g). */
function idOf(flag: '-u' | '-g'): number {
  return Number(execFileSync('id', [flag, 'postgres']).toString().trim());
}

/**
 * An OpenBackend (helpers/backends.ts) over a Postgres and a Redis of the test's own:
 * Latchkey's own clients to them, connected and migrated, as main.ts opens them
 * (`queryTimeoutMs`: LATCHKEY_DB_QUERY_TIMEOUT_MS, none unless given).
 */
export async function openOwnBackend(pg: OwnStore, redis: OwnStore, options: { queryTimeoutMs?: number } = {}): Promise<OpenBackend> {
  const db = createPostgresDb(pg.url, options);
  await migrate(db);
  const client = await connectRedis(redis.url);
  const redisPrefix = 'latchkey-faults:';
  const ephemeral = createRedisStore(client, { prefix: redisPrefix });
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-test-'));
  return {
    db,
    ephemeral,
    redis: client,
    databaseUrl: pg.url,
    redisUrl: redis.url,
    redisPrefix,
    dataDir,
    keyEncryptionKey: randomBytes(32),
    async close() {
      await ephemeral.close();
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Resolves once `check` resolves true, trying again after each answer; fails after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    // Between tries: give the store's client its reconnect turn (it retries on its own timer).
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
