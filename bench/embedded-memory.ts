/**
 * Resident memory of the embedded mode (PGlite + in-process memory, no DATABASE_URL or
 * REDIS_URL; issue 13 target: ≤ 250 MB): `latchkey serve` from the compiled code, on
 * core 0 like the fair benchmark's servers. First on a fresh data directory (the first
 * start creates the database), where the CLI registers an API and a machine client
 * while the server runs (it hands the commands to the server's socket); then restarted
 * on that directory, at idle and under client-credentials load: opaque tokens, which
 * this mode keeps in process memory for their lifetime, and JWTs, which it does not
 * keep. Bounded like every workload: its warm-up (lib.ts), then BENCH_SECONDS.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { basicAuth } from '../test/helpers/client-auth.js';
import { freePort, idleCpuOf, measure, resetPeak, ROOT, rssOf, serverNodeArgs, startProcess, stop } from './lib.js';
import { RESOURCE, WORKLOADS, type Target } from './workloads.js';

export interface EmbeddedMemory {
  firstStartIdleRssMb: number;
  idleRssMb: number;
  workloads: Array<{ workload: string; rate: number; serverCpuMs: number | undefined; peakRssMb: number; afterRssMb: number }>;
}

const LOADS = ['client credentials, opaque', 'client credentials, JWT ES256'];

export async function embeddedMemoryBench(): Promise<EmbeddedMemory> {
  process.stdout.write('\nEmbedded mode (PGlite + memory): resident memory at idle and under client-credentials load (target ≤ 250 MB)\n');
  execFileSync('taskset', ['-a', '-cp', '1', String(process.pid)], { stdio: 'ignore' });
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-bench-embedded-'));
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  const env = { DATABASE_URL: '', REDIS_URL: '', LATCHKEY_DATA_DIR: dataDir, PORT: String(port), LATCHKEY_ISSUER: issuer, LATCHKEY_LOG_LEVEL: 'warn', NODE_ENV: 'production' };
  const serve = () => startProcess([...serverNodeArgs(), 'bin/latchkey.js', 'serve'], env, `${issuer}/readyz`, '0');
  let server = await serve();
  try {
    const cli = async (...args: string[]) =>
      (await promisify(execFile)(process.execPath, ['bin/latchkey.js', ...args], { cwd: ROOT, env: { ...process.env, ...env } })).stdout;
    await cli('resource', 'create', '--indicator', RESOURCE, '--scope', 'reports:read', '--json');
    const created = JSON.parse(
      await cli('client', 'create', '--name', 'Bench job', '--grant-types', 'client_credentials', '--resource', `${RESOURCE} reports:read`, '--json'),
    ) as { client_id: string; client_secret: string };
    await new Promise((r) => setTimeout(r, 2000));
    const firstStart = rssOf(server.pid!).rssMb;
    process.stdout.write(`  first start (creates the database): resident at idle ${firstStart.toFixed(0)} MB\n`);
    await stop(server);
    server = await serve();
    const target: Target = {
      label: 'Latchkey embedded', issuer, machineAuth: basicAuth(created.client_id, created.client_secret),
      web: { id: '', secret: '' }, redirectUri: '', jwksUri: '',
    };
    const idle = rssOf(server.pid!).rssMb;
    const idleCpu = await idleCpuOf(server.pid!);
    process.stdout.write(`  restarted: resident at idle ${idle.toFixed(0)} MB\n`);
    const result: EmbeddedMemory = { firstStartIdleRssMb: firstStart, idleRssMb: idle, workloads: [] };
    for (const workload of WORKLOADS.filter((w) => LOADS.includes(w.name))) {
      const once = await workload.prepare(target);
      resetPeak(server.pid!);
      const m = await measure(`embedded: ${workload.name}`, workload.concurrency, once, server.pid!, idleCpu);
      const { rssMb, peakMb } = rssOf(server.pid!);
      process.stdout.write(`    peak RSS ${peakMb.toFixed(0)} MB, ${rssMb.toFixed(0)} MB after\n`);
      result.workloads.push({ workload: workload.name, rate: m.rate, serverCpuMs: m.serverCpuMs, peakRssMb: peakMb, afterRssMb: rssMb });
    }
    return result;
  } finally {
    await stop(server);
    execFileSync('taskset', ['-a', '-cp', '0,1', String(process.pid)], { stdio: 'ignore' });
    rmSync(dataDir, { recursive: true, force: true });
  }
}
