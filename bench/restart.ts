/**
 * Restart to ready with an existing embedded data directory (issue 13: target 2 s):
 * `latchkey serve` from the compiled code, timed from spawn to the first 200 from
 * /readyz, several times (BENCH_RESTARTS, default 5), then where the time goes
 * (restart-phases.mjs runs serve's phases one after the other). Peak RSS of the
 * embedded server at idle is printed too.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cpuSecondsOf, freePort, ROOT, rssOf, serverNodeArgs, stop } from './lib.js';

async function startOnce(dataDir: string, port: number): Promise<{ ms: number; cpuMs: number; pid: number; stopIt: () => Promise<void> }> {
  const started = performance.now();
  const child = spawn(process.execPath, [...serverNodeArgs(), 'bin/latchkey.js', 'serve'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', LATCHKEY_DATA_DIR: dataDir, PORT: String(port), LATCHKEY_LOG_LEVEL: 'warn', LATCHKEY_ISSUER: `http://localhost:${port}` },
    stdio: 'ignore',
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error('latchkey exited during start-up');
    try {
      if ((await fetch(`http://localhost:${port}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const ms = performance.now() - started;
  return { ms, cpuMs: cpuSecondsOf(child.pid!) * 1000, pid: child.pid!, stopIt: () => stop(child) };
}

export async function restartBench(): Promise<Record<string, number>> {
  process.stdout.write('\nRestart to ready, embedded data directory (target 2 s)\n');
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-bench-restart-'));
  try {
    const port = await freePort();
    const first = await startOnce(dataDir, port);
    process.stdout.write(`  first start (creates the data directory)          ${first.ms.toFixed(0).padStart(6)} ms\n`);
    await first.stopIt();
    const times: number[] = [];
    const cpu: number[] = [];
    let idleMb = 0;
    for (let i = 0; i < Number(process.env.BENCH_RESTARTS ?? 5); i++) {
      const run = await startOnce(dataDir, port);
      times.push(run.ms);
      cpu.push(run.cpuMs);
      idleMb = rssOf(run.pid).rssMb;
      await run.stopIt();
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    cpu.sort((a, b) => a - b);
    const cpuMedian = cpu[Math.floor(cpu.length / 2)]!;
    process.stdout.write(`  restart to ready: median ${median.toFixed(0)} ms, best ${times[0]!.toFixed(0)} ms, worst ${times.at(-1)!.toFixed(0)} ms (${times.length} restarts)\n`);
    // CPU time to ready is what a busy machine cannot stretch: on an idle multi-core host the
    // wall-clock time approaches it (PGlite's WebAssembly compiles on other threads, so it can be lower).
    process.stdout.write(`  CPU time to ready (all threads): median ${cpuMedian.toFixed(0)} ms\n`);
    process.stdout.write(`  embedded, resident at idle after start: ${idleMb.toFixed(0)} MB\n`);
    const phases = await promisify(execFile)(process.execPath, ['bench/restart-phases.mjs', dataDir], { cwd: ROOT });
    process.stdout.write(`  where the time goes:\n${phases.stdout}`);
    return { restartMedianMs: median, restartBestMs: times[0]!, restartCpuMs: cpuMedian, embeddedIdleRssMb: idleMb };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
