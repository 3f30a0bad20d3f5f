/**
 * Cluster mode (`latchkey serve --workers N`, src/cluster.ts): client credentials
 * (opaque) against Latchkey on Postgres + Redis with one worker, then two, from the same
 * load generator, and the ratio of the two rates. Neither side is pinned to a core: two
 * workers need both cores of a 2-core machine, so the load generator shares them in both
 * runs alike. BENCH_CLUSTER_WORKERS=1,2,4 measures other counts (the first is the base).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createClientRegistry } from '../src/clients/registry.js';
import { basicAuth } from '../test/helpers/client-auth.js';
import { send } from './browserless.js';
import { cpuSecondsOf, freePort, freshStores, measure, REDIS_URL, ROOT, rssOf, stop, type Measured } from './lib.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

/** Every process under `pid` (the primary's workers), with `pid` itself. */
function processTree(pid: number): number[] {
  const children = (p: number): number[] => {
    try {
      return readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  return [pid, ...children(pid).flatMap(processTree)];
}

/** Starts `serve` with `workers` workers; ready when the primary says every worker listens. */
async function startCluster(env: Record<string, string>, workers: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['bin/latchkey.js', 'serve', '--workers', String(workers)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${workers} workers did not start within 60 s:\n${out}`)), 60_000);
    const onData = () => {
      // cli/server.ts prints this line once serveCluster has seen every worker listening.
      if (!/Latchkey is running at .*listening on/.test(out)) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve();
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`latchkey serve --workers ${workers} exited (${code}) while starting:\n${out}`));
    });
  });
  child.removeAllListeners('exit');
  return child;
}

export interface ClusterFigures {
  workers: number;
  rate: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU per request, every process of the cluster (primary and workers). */
  serverCpuMs: number;
  /** Resident size of every process of the cluster together, after the run. */
  rssMb: number;
}

export async function clusterBench(): Promise<ClusterFigures[]> {
  const counts = (process.env.BENCH_CLUSTER_WORKERS ?? '1,2').split(',').map(Number);
  process.stdout.write(`\nCluster mode: client credentials (opaque), Postgres + Redis, ${counts.join(' vs ')} workers (c=${CONCURRENCY}, no core pinning)\n`);
  const stores = await freshStores();
  const figures: ClusterFigures[] = [];
  try {
    const machine = await createClientRegistry(stores.db).create({
      name: 'Bench job', redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'],
      scope: '', public: false, thirdParty: false,
    });
    const auth = basicAuth(machine.clientId, machine.clientSecret!);
    for (const workers of counts) {
      const port = await freePort();
      const issuer = `http://localhost:${port}`;
      const server = await startCluster(
        {
          DATABASE_URL: stores.databaseUrl,
          REDIS_URL,
          // A prefix per run: no run starts with the counters of the one before.
          LATCHKEY_REDIS_PREFIX: `${stores.redisPrefix}w${workers}:`,
          LATCHKEY_KEY_ENCRYPTION_KEY: stores.keyEncryptionKey,
          LATCHKEY_ISSUER: issuer,
          PORT: String(port),
          LATCHKEY_LOG_LEVEL: 'warn',
          NODE_ENV: 'production',
          LATCHKEY_RATE_LIMIT_IP: '1000000/60',
        },
        workers,
      );
      try {
        const once = async () => {
          const res = await send(`${issuer}/token`, {
            method: 'POST',
            headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
            body: 'grant_type=client_credentials',
          });
          if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`);
        };
        const tree = () => processTree(server.pid!);
        const cpu = () => tree().reduce((sum, pid) => sum + cpuSecondsOf(pid), 0);
        let requests = 0;
        const counted = async () => {
          await once();
          requests += 1;
        };
        const cpuBefore = cpu();
        const measured: Measured = await measure(`${workers} worker${workers > 1 ? 's' : ''}`, CONCURRENCY, counted);
        // Warm-up included on both sides of the division: the CPU of every request sent.
        const serverCpuMs = ((cpu() - cpuBefore) * 1000) / requests;
        const rssMb = tree().reduce((sum, pid) => sum + rssOf(pid).rssMb, 0);
        process.stdout.write(`    server CPU ${serverCpuMs.toFixed(2)} ms/req (all processes), resident ${rssMb.toFixed(0)} MB (all processes)\n`);
        figures.push({ workers, rate: measured.rate, p50Ms: measured.p50Ms, p99Ms: measured.p99Ms, serverCpuMs, rssMb });
      } finally {
        await stop(server);
      }
    }
  } finally {
    await stores.close();
  }
  const base = figures[0]!;
  for (const f of figures.slice(1)) {
    process.stdout.write(`  ${f.workers} workers / ${base.workers}: ${(f.rate / base.rate).toFixed(2)}× the requests/s, p99 ${f.p99Ms.toFixed(1)} vs ${base.p99Ms.toFixed(1)} ms\n`);
  }
  return figures;
}

/**
 * BENCH_JSON: adds `figures` under `key` to the JSON file of this run; `fresh` starts the
 * file (nothing of this run is in it yet), else it is added to (the fair benchmark's report).
 */
export function addToBenchJson(key: string, figures: unknown, fresh: boolean): void {
  const json = process.env.BENCH_JSON;
  if (!json) return;
  const file = json === '1' ? 'bench-results.json' : json;
  const doc = !fresh && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : { at: new Date().toISOString() };
  writeFileSync(file, `${JSON.stringify({ ...doc, [key]: figures }, null, 2)}\n`);
}
