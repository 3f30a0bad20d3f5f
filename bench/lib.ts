import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { scratchDatabase } from '../test/helpers/scratch-database.js';
import { Redis } from 'ioredis';
import { createPostgresDb } from '../src/storage/postgres.js';
import { migrate } from '../src/storage/migrate.js';
import type { Db } from '../src/storage/db.js';
import { createClientRegistry } from '../src/clients/registry.js';

/** Shared plumbing for the benchmarks: real Postgres + Redis, servers as child processes. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
export const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
/**
 * A warm-up also lasts at least this many iterations (BENCH_WARMUP_ITERATIONS), up to
 * WARMUP_CAP_SECONDS: V8 keeps compiling hot code on its worker threads for the first
 * several hundred sign-ins of a fresh process (about 4 ms of CPU per sign-in at first,
 * 1 ms once settled, on those threads alone), and more code takes longer to settle. Two
 * seconds of sign-ins measured that start-up, not the steady state a server runs in.
 */
export const WARMUP_ITERATIONS = Number(process.env.BENCH_WARMUP_ITERATIONS ?? 1000);
const WARMUP_CAP_SECONDS = 90;

export interface Stores {
  db: Db;
  databaseUrl: string;
  redisPrefix: string;
  /** One per store, so a restarted server can still decrypt the keys it stored. */
  keyEncryptionKey: string;
  close(): Promise<void>;
}

/** A fresh database and Redis key prefix, dropped afterwards. */
export async function freshStores(): Promise<Stores> {
  const scratch = await scratchDatabase(DATABASE_URL, 'latchkey_bench');
  const db = createPostgresDb(scratch.url);
  await migrate(db);
  const redisPrefix = `latchkey-bench:${randomBytes(5).toString('hex')}:`;
  return {
    db,
    databaseUrl: scratch.url,
    redisPrefix,
    keyEncryptionKey: randomBytes(32).toString('base64url'),
    async close() {
      await db.close();
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${redisPrefix}*`);
      // In slices: a long run leaves more keys (its opaque tokens) than one call can spread as arguments.
      for (let i = 0; i < keys.length; i += 10_000) await redis.del(...keys.slice(i, i + 10_000));
      await redis.quit();
      await scratch.drop();
    },
  };
}

export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts a node script (optionally pinned to CPUs with taskset) and waits for a URL to answer. */
export async function startProcess(
  args: string[],
  env: Record<string, string>,
  readyUrl: string,
  cpus?: string,
  cwd = ROOT,
): Promise<ChildProcess> {
  const command = cpus ? 'taskset' : process.execPath;
  const argv = cpus ? ['-c', cpus, process.execPath, ...args] : args;
  const child = spawn(command, argv, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${stderr}`);
    try {
      if ((await fetch(readyUrl)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error(`server did not become ready at ${readyUrl}:\n${stderr}`);
}

/**
 * The node flags Latchkey's server runs with under `npm start` and in the Docker image
 * (package.json, Dockerfile), then BENCH_NODE_ARGS: extra flags for the server, e.g.
 * `--cpu-prof --cpu-prof-dir=prof` (a later flag overrides an earlier one).
 */
export function serverNodeArgs(): string[] {
  return ['--max-semi-space-size=4', ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)];
}

/** `build`: another checkout of Latchkey (its own dist/ and node_modules/) and node flags after serverNodeArgs (bench/paired.ts). */
export function startLatchkey(stores: Stores, port: number, cpus?: string, extraEnv: Record<string, string> = {}, build: { dir?: string; nodeArgs?: string[] } = {}) {
  return startProcess(
    [...serverNodeArgs(), ...(build.nodeArgs ?? []), 'bin/latchkey.js', 'serve'],
    {
      DATABASE_URL: stores.databaseUrl,
      REDIS_URL: REDIS_URL,
      LATCHKEY_REDIS_PREFIX: stores.redisPrefix,
      LATCHKEY_KEY_ENCRYPTION_KEY: stores.keyEncryptionKey,
      LATCHKEY_ISSUER: `http://localhost:${port}`,
      PORT: String(port),
      LATCHKEY_LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      // One load generator stands for many people: the per-address request budget (120 a
      // minute) would otherwise measure the limiter. Per-account and global budgets stay.
      LATCHKEY_RATE_LIMIT_IP: '1000000/60',
      ...extraEnv,
    },
    `http://localhost:${port}/readyz`,
    cpus,
    build.dir,
  );
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

export interface Measured {
  rate: number;
  p50Ms: number;
  p99Ms: number;
  /** The server's CPU time per request (user + system, every thread: argon2's too), when a process was given. */
  serverCpuMs?: number | undefined;
}

/** CPU seconds a process has used (utime + stime from /proc/<pid>/stat, in clock ticks of 1/100 s). */
export function cpuSecondsOf(pid: number, thread?: number): number {
  const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : Number.NaN;
}

/**
 * CPU seconds per second a server spends with no requests at all (timers: the outbox
 * poll, key reloads, metrics); subtracted from each workload so the figure per request is
 * its own, not the background's divided by a slow rate. The least of `seconds` one-second
 * windows, so one-off work after start (the WebAuthn library's preload) is not taken for
 * background and subtracted from every request.
 */
export async function idleCpuOf(pid: number, seconds = 3): Promise<number> {
  let least = Infinity;
  for (let i = 0; i < seconds; i++) {
    const before = cpuSecondsOf(pid);
    await new Promise((r) => setTimeout(r, 1000));
    least = Math.min(least, cpuSecondsOf(pid) - before);
  }
  return least;
}

/** One measured window: requests done, seconds taken, the server's CPU seconds in it, each latency. */
export interface Sample {
  count: number;
  elapsed: number;
  cpuSeconds: number;
  /** Of cpuSeconds, the main thread's (JavaScript); the rest is libuv's pool, GC helpers, argon2. */
  mainCpuSeconds: number;
  /** Requests done in the warm-up before the window (not in count). */
  warmupCount: number;
  latencies: number[];
}

/**
 * Runs `once` from `concurrency` loops: a warm-up, then a measured window, recording
 * each iteration's latency. Bounded by time; any failure stops the run with its message.
 */
export async function sample(
  concurrency: number,
  once: () => Promise<void>,
  { seconds = SECONDS, warmupSeconds = WARMUP_SECONDS, warmupIterations = WARMUP_ITERATIONS, serverPid }: { seconds?: number; warmupSeconds?: number; warmupIterations?: number; serverPid?: number | undefined } = {},
): Promise<Sample> {
  let measuring = false;
  let stopAt = Date.now() + warmupSeconds * 1000;
  const capAt = Date.now() + Math.max(warmupSeconds, WARMUP_CAP_SECONDS) * 1000;
  const latencies: number[] = [];
  let warmupCount = 0;
  const warming = () => !measuring && warmupCount < warmupIterations && Date.now() < capAt;
  const loop = async () => {
    while (Date.now() < stopAt || warming()) {
      const t = performance.now();
      await once();
      if (measuring) latencies.push(performance.now() - t);
      else warmupCount += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  measuring = true;
  const started = performance.now();
  const cpuBefore = serverPid ? cpuSecondsOf(serverPid) : 0;
  const mainBefore = serverPid ? cpuSecondsOf(serverPid, serverPid) : 0;
  stopAt = Date.now() + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsed = (performance.now() - started) / 1000;
  const mainCpuSeconds = serverPid ? cpuSecondsOf(serverPid, serverPid) - mainBefore : 0;
  return { count: latencies.length, elapsed, cpuSeconds: serverPid ? cpuSecondsOf(serverPid) - cpuBefore : 0, mainCpuSeconds, warmupCount, latencies };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Rate, latency percentiles and CPU per request of one or more windows, idle background subtracted. */
export function summarize(samples: readonly Sample[], idleCpuPerSecond = 0, withCpu = true): Measured {
  const count = samples.reduce((n, s) => n + s.count, 0);
  const elapsed = samples.reduce((n, s) => n + s.elapsed, 0);
  const cpu = samples.reduce((n, s) => n + s.cpuSeconds, 0);
  const latencies = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
  return {
    rate: count / elapsed,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    serverCpuMs: withCpu ? (Math.max(0, cpu - idleCpuPerSecond * elapsed) * 1000) / count : undefined,
  };
}

export function printMeasured(name: string, out: Measured, concurrency: number): void {
  const cpu = out.serverCpuMs === undefined ? '' : `  server CPU ${out.serverCpuMs.toFixed(2).padStart(6)} ms/req`;
  process.stdout.write(
    `  ${name.padEnd(46)} ${out.rate.toFixed(1).padStart(8)} /s  p50 ${out.p50Ms.toFixed(1).padStart(6)} ms  p99 ${out.p99Ms.toFixed(1).padStart(6)} ms${cpu}  (c=${concurrency})\n`,
  );
}

export async function measure(name: string, concurrency: number, once: () => Promise<void>, serverPid?: number, idleCpuPerSecond = 0): Promise<Measured> {
  const out = summarize([await sample(concurrency, once, { serverPid })], idleCpuPerSecond, serverPid !== undefined);
  printMeasured(name, out, concurrency);
  return out;
}

/** Resident set size of a process in MB, now (VmRSS) and at its peak (VmHWM), from /proc. */
export function rssOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** Resets a process's peak RSS to its current RSS (Linux clear_refs 5), so each workload's peak is its own. */
export function resetPeak(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not permitted here: the peak then covers everything since start.
  }
}

/** A confidential code-flow client for the sign-in benches. */
export async function benchWebClient(db: Db, redirectUri: string): Promise<{ id: string; secret: string }> {
  const created = await createClientRegistry(db).create({
    name: 'Bench app',
    redirectUris: [redirectUri],
    postLogoutRedirectUris: [],
    grantTypes: ['authorization_code'],
    scope: 'openid',
    public: false,
    thirdParty: false,
  });
  return { id: created.clientId, secret: created.clientSecret! };
}

export function ratioLine(label: string, value: number, baseline: number, target: number): string {
  const ratio = value / baseline;
  return `  ${label.padEnd(44)} ratio ${ratio.toFixed(2)}  (target ≥ ${target}: ${ratio >= target ? 'met' : 'NOT met'})\n`;
}
