import { writeFileSync } from 'node:fs';
import type { Measured } from './lib.js';
import type { RoundTrips } from './round-trips.js';
import type { Workload } from './workloads.js';

export interface Result extends Measured {
  workload: string;
  target: string;
  idleRssMb: number;
  peakRssMb: number;
  roundTrips?: RoundTrips | undefined;
  /** Latchkey's per-core ratio to the baseline: the median of the interleaved rounds' ratios (fair.ts). */
  pairedPerCoreRatio?: number | undefined;
  roundRatios?: number[] | undefined;
  /** The same from the whole span of the rounds, gaps between slices included (work deferred past a slice). */
  spanPerCoreRatio?: number | undefined;
}

const pad = (s: string, n: number) => s.padEnd(n);

/** Ratios, round trips and memory per workload; BENCH_JSON=1 (or a file name) writes them all as JSON. */
export function report(results: Result[], workloads: Workload[], options: { argon2?: number | undefined; baseline: string; targetRatio?: (w: Workload) => number }): void {
  const find = (target: string, workload: string) => results.find((r) => r.target === target && r.workload === workload);
  const ratios: Array<Record<string, unknown>> = [];
  process.stdout.write(
    `\n  ${pad('workload', 36)} ${pad('Latchkey/s', 10)} ${pad('baseline/s', 10)} ratio  ${pad('per core (req/CPU-s)', 20)} ratio  target      peak RSS  store calls (db + eph.)\n`,
  );
  for (const w of workloads) {
    const ours = find('Latchkey', w.name);
    const base = find(options.baseline, w.name);
    if (!ours || !base) continue;
    const ratio = ours.rate / base.rate;
    const perCore = (r: Result) => (r.serverCpuMs ? 1000 / r.serverCpuMs : Number.NaN);
    const capacity = ours.pairedPerCoreRatio ?? perCore(ours) / perCore(base);
    // Without targets (another baseline than theirs) the ratio is reported, not judged.
    const target = options.targetRatio?.(w);
    const verdict = target === undefined ? '(not judged)' : `≥ ${String(target).padEnd(3)} ${capacity >= target ? 'met' : 'NOT'}`;
    const trips = ours.roundTrips ? `${ours.roundTrips.database} + ${ours.roundTrips.ephemeral}` : '';
    process.stdout.write(
      `  ${pad(w.name, 36)} ${ours.rate.toFixed(1).padStart(10)} ${base.rate.toFixed(1).padStart(10)} ${ratio.toFixed(2).padStart(5)}  ${`${perCore(ours).toFixed(0)} vs ${perCore(base).toFixed(0)}`.padEnd(20)} ${capacity.toFixed(2).padStart(5)}  ${verdict.padEnd(10)}  ${ours.peakRssMb.toFixed(0).padStart(5)} MB  ${trips}\n`,
    );
    ratios.push({ workload: w.name, baseline: options.baseline, ratio, perCoreRatio: capacity, roundRatios: ours.roundRatios, spanPerCoreRatio: ours.spanPerCoreRatio, ...(target === undefined ? {} : { target, met: capacity >= target }) });
    if (w.group === 'password' && w.name.startsWith('password sign-in') && options.argon2) {
      const r = ours.rate / options.argon2;
      process.stdout.write(`  ${pad('  ÷ raw argon2id verifies/s', 36)} ${ours.rate.toFixed(1).padStart(10)} ${options.argon2.toFixed(1).padStart(10)} ${r.toFixed(2).padStart(5)}\n`);
      ratios.push({ workload: w.name, baseline: 'argon2id verify', ratio: r });
    }
  }
  process.stdout.write(
    '  (targets are judged per core: requests per second of server CPU, which no load generator sharing the machine can cap;\n   the per-core ratio is the median of the rounds in which both servers were measured in turn)\n',
  );
  for (const r of results.filter((x) => x.target.startsWith('Latchkey,'))) {
    const empty = find('Latchkey', r.workload);
    if (empty) process.stdout.write(`  ${pad(`${r.workload} (large store)`, 38)} ${r.rate.toFixed(1).padStart(10)} ${empty.rate.toFixed(1).padStart(11)} ${(r.rate / empty.rate).toFixed(2).padStart(5)}  of the empty store\n`);
  }
  process.stdout.write('\n  Latchkey store calls per iteration:\n');
  for (const r of results.filter((x) => x.target === 'Latchkey' && x.roundTrips)) {
    const ops = Object.entries(r.roundTrips!.operations).map(([k, n]) => (n > 1 ? `${k} ×${n}` : k));
    process.stdout.write(`    ${r.workload}: ${ops.join(', ') || 'none'}\n`);
  }
  const json = process.env.BENCH_JSON;
  if (json) {
    const file = json === '1' ? 'bench-results.json' : json;
    writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), seconds: Number(process.env.BENCH_SECONDS ?? 10), argon2VerifiesPerSecond: options.argon2, results, ratios }, null, 2)}\n`);
    process.stdout.write(`  figures written to ${file}\n`);
  }
}
