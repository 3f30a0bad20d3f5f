/**
 * Latchkey against Latchkey (BENCH_ONLY=paired): what one change is worth, measured the
 * way the fair benchmark measures Latchkey against oidc-provider (fair.ts runPaired: both
 * servers on core 0, alternating slices, the median of the rounds' per-core ratios), on
 * one Postgres database and Redis prefix. A is this checkout; B is BENCH_PAIRED_B_DIR (a
 * checkout of other code with its own node_modules and dist/, e.g. a `git worktree`), or
 * this checkout again, and BENCH_PAIRED_A_ARGS / BENCH_PAIRED_B_ARGS add node flags to
 * each (heap flags, say). BENCH_NAME narrows the workloads, as for the fair benchmark;
 * discovery and the JWKS are left out unless named.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { freePort, freshStores, idleCpuOf, ROOT, startLatchkey, stop } from './lib.js';
import { latchkeyTarget, runPaired } from './fair.js';
import { WORKLOADS, type Target } from './workloads.js';

const flags = (name: string) => (process.env[name] ?? '').split(' ').filter(Boolean);

export async function pairedBench(): Promise<void> {
  const named = process.env.BENCH_NAME;
  const workloads = WORKLOADS.filter((w) => (named ? w.name.startsWith(named) : w.group !== 'metadata'));
  const bDir = process.env.BENCH_PAIRED_B_DIR ?? ROOT;
  process.stdout.write(`\nLatchkey against Latchkey: A = ${ROOT} ${flags('BENCH_PAIRED_A_ARGS').join(' ')}, B = ${bDir} ${flags('BENCH_PAIRED_B_ARGS').join(' ')}; both on core 0, load on core 1\n`);
  execFileSync('taskset', ['-a', '-cp', '1', String(process.pid)], { stdio: 'ignore' });
  const stores = await freshStores();
  const servers: ChildProcess[] = [];
  try {
    const [portA, portB] = [await freePort(), await freePort()];
    const { target } = await latchkeyTarget(stores, portA);
    const targets: Target[] = [
      { ...target, label: 'A', jwksUri: `${target.issuer}/jwks` },
      { ...target, label: 'B', issuer: `http://localhost:${portB}`, jwksUri: `http://localhost:${portB}/jwks` },
    ];
    servers.push(await startLatchkey(stores, portA, '0', {}, { nodeArgs: flags('BENCH_PAIRED_A_ARGS') }));
    servers.push(await startLatchkey(stores, portB, '0', {}, { dir: bDir, nodeArgs: flags('BENCH_PAIRED_B_ARGS') }));
    const idle = [await idleCpuOf(servers[0]!.pid!), await idleCpuOf(servers[1]!.pid!)];
    const results = await runPaired(
      { server: servers[0]!, target: targets[0]!, idleCpu: idle[0]! },
      { server: servers[1]!, target: targets[1]!, idleCpu: idle[1]! },
      workloads,
    );
    process.stdout.write('\n  workload                             B/A per core   peak RSS A / B\n');
    for (const w of workloads) {
      const [a, b] = [results.find((r) => r.workload === w.name && r.target === 'A')!, results.find((r) => r.workload === w.name && r.target === 'B')!];
      process.stdout.write(`  ${w.name.padEnd(36)} ${b.pairedPerCoreRatio!.toFixed(3).padStart(6)}         ${a.peakRssMb.toFixed(0)} / ${b.peakRssMb.toFixed(0)} MB\n`);
    }
  } finally {
    for (const server of servers) await stop(server);
    execFileSync('taskset', ['-a', '-cp', '0,1', String(process.pid)], { stdio: 'ignore' });
    await stores.close();
  }
}
