/**
 * The fair benchmark (issue 13): every protocol workload against plain oidc-provider
 * (in-memory adapter, static clients, a minimal argon2id login: baseline-provider.ts)
 * and against Latchkey on Postgres + Redis, in the same run, with the same load
 * generator (workloads.ts), on the same cores: each server on core 0 (argon2's threads
 * too), this load generator on core 1. The password sign-in is also divided by raw
 * argon2id verifies on core 0. Latchkey's store round trips per iteration are read from
 * its own counters (latchkey_store_calls_total). BENCH_SEED=large then seeds 100,000
 * accounts and 10,000 clients and measures sign-in and client credentials again.
 */
import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { hashPassword } from '../src/accounts/passwords.js';
import { createAccountsRepo } from '../src/accounts/accounts-repo.js';
import { createClientRegistry } from '../src/clients/registry.js';
import { createResourcesRepo } from '../src/clients/resources-repo.js';
import { basicAuth } from '../test/helpers/client-auth.js';
import { cpuSecondsOf, freePort, median, freshStores, REDIS_URL, idleCpuOf, measure, printMeasured, resetPeak, ROOT, rssOf, sample, SECONDS, startLatchkey, startProcess, stop, summarize, WARMUP_SECONDS, type Measured, type Sample, type Stores } from './lib.js';
import { ACCOUNTS, emailOf, PASSWORD, RESOURCE, targetRatio, WORKLOADS, type Target, type Workload } from './workloads.js';
import { roundTrips, type RoundTrips } from './round-trips.js';
import { seedLarge } from './seed-large.js';
import { report, type Result } from './report.js';

const REDIRECT_URI = 'http://localhost:8099/callback';
const only = process.env.BENCH_ONLY;
// postgres-redis: the baseline's models on the stores (baseline-stores.ts); compare: the
// engine in memory against the engine on the stores, paired, without Latchkey.
const storesMode = process.env.BENCH_BASELINE_STORES;
const onStores = storesMode === 'postgres-redis';
const baselineLabel = (models: 'memory' | 'stores') => (models === 'stores' ? 'oidc-provider (stores)' : 'oidc-provider');
const chosen = WORKLOADS.filter((w) => (!only || only === 'fair' || only === w.group) && (!process.env.BENCH_NAME || w.name.startsWith(process.env.BENCH_NAME)));

async function jwksUriOf(issuer: string): Promise<string> {
  return String(((await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { jwks_uri: string }).jwks_uri);
}

async function runWorkloads(
  server: ChildProcess,
  target: Target,
  workloads: Workload[],
  tripsOf?: (once: () => Promise<void>) => Promise<RoundTrips>,
): Promise<Result[]> {
  const results: Result[] = [];
  const idle = rssOf(server.pid!);
  const idleCpu = await idleCpuOf(server.pid!);
  process.stdout.write(`  ${target.label}: resident at idle ${idle.rssMb.toFixed(0)} MB, CPU at idle ${(idleCpu * 1000).toFixed(1)} ms/s (subtracted below)\n`);
  for (const workload of workloads) {
    const once = await workload.prepare(target);
    const trips = tripsOf ? await tripsOf(once) : undefined;
    resetPeak(server.pid!);
    const measured: Measured = await measure(`${target.label}: ${workload.name}`, workload.concurrency, once, server.pid!, idleCpu);
    const { peakMb } = rssOf(server.pid!);
    results.push({ workload: workload.name, target: target.label, ...measured, idleRssMb: idle.rssMb, peakRssMb: peakMb, roundTrips: trips });
  }
  return results;
}

/** A server under test in the paired run: its process, how to reach it, its idle CPU. */
export interface Side {
  server: ChildProcess;
  target: Target;
  idleCpu: number;
  tripsOf?: ((once: () => Promise<void>) => Promise<RoundTrips>) | undefined;
}

// An even number, so each server goes first in as many rounds as the other.
const ROUNDS = 2 * Math.max(1, Math.round(Number(process.env.BENCH_ROUNDS ?? SECONDS) / 2) || 1);

function perCoreOf(s: Sample, idleCpu: number): number {
  return s.count / Math.max(1e-9, s.cpuSeconds - idleCpu * s.elapsed);
}

/**
 * Baseline and Latchkey run side by side, both idle on core 0, and each workload is
 * measured in ROUNDS alternating slices (baseline then Latchkey, then Latchkey then
 * baseline, …), so a machine whose speed drifts (a shared VM) weighs on both alike. The
 * per-core ratio is the median of the rounds' ratios, each from two neighbouring slices.
 */
export async function runPaired(base: Side, ours: Side, workloads: Workload[]): Promise<Result[]> {
  const results: Result[] = [];
  const sides = [base, ours];
  for (const side of sides) {
    const idle = rssOf(side.server.pid!);
    process.stdout.write(`  ${side.target.label}: resident at idle ${idle.rssMb.toFixed(0)} MB, CPU at idle ${(side.idleCpu * 1000).toFixed(1)} ms/s (subtracted below)\n`);
  }
  const idleRss = sides.map((side) => rssOf(side.server.pid!).rssMb);
  const slice = SECONDS / ROUNDS;
  for (const workload of workloads) {
    const onces = await Promise.all(sides.map((side) => workload.prepare(side.target)));
    const trips = ours.tripsOf ? await ours.tripsOf(onces[1]!) : undefined;
    const samples: Sample[][] = [[], []];
    const warmedUp = [0, 0];
    for (const [i, side] of sides.entries()) {
      resetPeak(side.server.pid!);
      warmedUp[i] = (await sample(workload.concurrency, onces[i]!, { seconds: 0, warmupSeconds: WARMUP_SECONDS })).warmupCount;
    }
    const ratios: number[] = [];
    // Also the whole span from the first slice to the last, gaps included: work a server
    // defers past its own slice (mail after a sign-in, GC) is counted there.
    const spanStart = sides.map((side) => ({ cpu: cpuSecondsOf(side.server.pid!), at: performance.now() }));
    for (let round = 0; round < ROUNDS; round++) {
      for (const i of round % 2 ? [1, 0] : [0, 1]) {
        samples[i]!.push(await sample(workload.concurrency, onces[i]!, { seconds: slice, warmupSeconds: Math.min(0.25, WARMUP_SECONDS), warmupIterations: 0, serverPid: sides[i]!.server.pid! }));
      }
      ratios.push(perCoreOf(samples[1]![round]!, ours.idleCpu) / perCoreOf(samples[0]![round]!, base.idleCpu));
    }
    const spanPerCore = sides.map((side, i) => {
      const wall = (performance.now() - spanStart[i]!.at) / 1000;
      const done = samples[i]!.reduce((n, x) => n + x.count + x.warmupCount, 0);
      return done / Math.max(1e-9, cpuSecondsOf(side.server.pid!) - spanStart[i]!.cpu - side.idleCpu * wall);
    });
    const spanRatio = spanPerCore[1]! / spanPerCore[0]!;
    if (process.env.BENCH_PRINT_COUNTS) {
      // For reading a --cpu-prof profile per request: every request each server answered in this workload.
      process.stdout.write(`    requests answered: ${sides.map((side, i) => `${side.target.label} ${warmedUp[i]! + samples[i]!.reduce((n, x) => n + x.count + x.warmupCount, 0)}`).join(', ')}\n`);
    }
    for (const [i, side] of sides.entries()) {
      const measured = summarize(samples[i]!, side.idleCpu);
      printMeasured(`${side.target.label}: ${workload.name}`, measured, workload.concurrency);
      const ratio = i === 1 ? { pairedPerCoreRatio: median(ratios), roundRatios: ratios, spanPerCoreRatio: spanRatio } : {};
      results.push({ workload: workload.name, target: side.target.label, ...measured, idleRssMb: idleRss[i]!, peakRssMb: rssOf(side.server.pid!).peakMb, roundTrips: i === 1 ? trips : undefined, ...ratio });
    }
    const mainShare = (i: number) => (100 * samples[i]!.reduce((n, x) => n + x.mainCpuSeconds, 0)) / samples[i]!.reduce((n, x) => n + x.cpuSeconds, 0);
    process.stdout.write(`    per-core ratio by round: ${ratios.map((r) => r.toFixed(2)).join(' ')} (median ${median(ratios).toFixed(2)}; over the whole span ${spanRatio.toFixed(2)}); main thread's share of CPU: ${base.target.label} ${mainShare(0).toFixed(0)}%, ${ours.target.label} ${mainShare(1).toFixed(0)}%\n`);
  }
  return results;
}

/** Latchkey's side of the fair benchmark: the accounts, the web and machine clients, the resource. */
export async function latchkeyTarget(stores: Stores, port: number): Promise<{ target: Target; metricsPort: number }> {
  const accounts = createAccountsRepo(stores.db);
  const passwordHash = await hashPassword(PASSWORD);
  for (let i = 0; i < ACCOUNTS; i++) {
    const account = await accounts.create({ email: emailOf(i), name: `User ${i}`, passwordHash });
    await accounts.dismissPasskeyOffer(account.id, new Date());
  }
  const registry = createClientRegistry(stores.db);
  const web = await registry.create({
    name: 'Bench app', redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [], grantTypes: ['authorization_code', 'refresh_token'],
    scope: 'openid offline_access', public: false, thirdParty: false,
  });
  await createResourcesRepo(stores.db).create({ indicator: RESOURCE, scopes: ['reports:read'] });
  const machine = await registry.create({
    name: 'Bench job', redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'],
    scope: '', resources: [{ indicator: RESOURCE, scopes: ['reports:read'] }], public: false, thirdParty: false, canIntrospect: true,
  });
  const issuer = `http://localhost:${port}`;
  return {
    target: { label: 'Latchkey', issuer, machineAuth: basicAuth(machine.clientId, machine.clientSecret!), web: { id: web.clientId, secret: web.clientSecret! }, redirectUri: REDIRECT_URI, jwksUri: '' },
    metricsPort: await freePort(),
  };
}

/**
 * Latchkey's JWKS against a bare node:http server writing the same bytes and headers
 * (static-floor.ts), the least a Node server can spend on it, in paired rounds as the
 * baseline is: what Latchkey's fast lane leaves on the table.
 */
async function floor(ours: Side, jwks: Workload): Promise<void> {
  const answer = await fetch(ours.target.jwksUri);
  // Its own X-Request-Id comes with each of Latchkey's answers; the floor sends a fixed one.
  const headers = [...answer.headers].filter(([name]) => !['date', 'connection', 'keep-alive', 'content-length'].includes(name));
  const port = await freePort();
  const url = `http://localhost:${port}/jwks`;
  const server = await startProcess(['--import', 'tsx', 'bench/static-floor.ts'], { PORT: String(port), FLOOR_BODY: await answer.text(), FLOOR_HEADERS: JSON.stringify(headers) }, url, '0');
  try {
    const target: Target = { ...ours.target, label: 'bare node:http, the same JWKS (floor)', issuer: `http://localhost:${port}`, jwksUri: url };
    // Both idle CPUs anew: what earlier workloads left running (GC, mail) is background now.
    const [floorIdle, ourIdle] = [await idleCpuOf(server.pid!), await idleCpuOf(ours.server.pid!)];
    const [, mine] = await runPaired({ server, target, idleCpu: floorIdle! }, { ...ours, idleCpu: ourIdle!, tripsOf: undefined }, [jwks]);
    process.stdout.write(`  (per core, Latchkey answers the JWKS at ${(100 * mine!.pairedPerCoreRatio!).toFixed(0)}% of the floor's rate; no Node server answers it faster)\n`);
  } finally {
    await stop(server);
  }
}

/** Plain oidc-provider (baseline-provider.ts) on core 0: its models in memory, or on `stores` (baseline-stores.ts). */
async function startBaseline(stores: Stores, secret: string, models: 'memory' | 'stores'): Promise<{ server: ChildProcess; target: Target }> {
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  const server = await startProcess(
    // BENCH_BASELINE_NODE_ARGS: flags for the baseline, e.g. a profile to compare with Latchkey's.
    [...(process.env.BENCH_BASELINE_NODE_ARGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', 'bench/baseline-provider.ts'],
    {
      PORT: String(port), BASELINE_SECRET: secret, BASELINE_RESOURCE: RESOURCE, BASELINE_REDIRECT_URI: REDIRECT_URI,
      ...(models === 'stores' ? { BASELINE_DATABASE_URL: stores.databaseUrl, BASELINE_REDIS_URL: REDIS_URL, BASELINE_REDIS_PREFIX: `${stores.redisPrefix}baseline:` } : {}),
    },
    `${issuer}/.well-known/openid-configuration`,
    '0',
  );
  const target: Target = {
    label: baselineLabel(models), issuer, machineAuth: basicAuth('baseline', secret), web: { id: 'web', secret },
    redirectUri: REDIRECT_URI, jwksUri: await jwksUriOf(issuer),
  };
  return { server, target };
}

/**
 * BENCH_BASELINE_STORES=compare: what the stores alone cost the engine, measured directly
 * (the engine in memory against the same engine on Postgres + Redis, paired as above),
 * rather than worked out from two runs against Latchkey whose machine may have drifted.
 */
async function storesCost(stores: Stores): Promise<void> {
  const secret = randomBytes(32).toString('base64url');
  const memory = await startBaseline(stores, secret, 'memory');
  const onStores = await startBaseline(stores, secret, 'stores');
  try {
    const [memIdle, storesIdle] = [await idleCpuOf(memory.server.pid!), await idleCpuOf(onStores.server.pid!)];
    const results = await runPaired({ ...memory, idleCpu: memIdle! }, { ...onStores, idleCpu: storesIdle! }, chosen);
    process.stdout.write('\n  the engine on Postgres + Redis against the engine in memory, per core (workloads without a store call: the method\'s own spread)\n');
    for (const r of results.filter((x) => x.pairedPerCoreRatio !== undefined)) process.stdout.write(`  ${r.workload.padEnd(36)} ${r.pairedPerCoreRatio!.toFixed(2)}\n`);
  } finally {
    await stop(memory.server);
    await stop(onStores.server);
  }
}

export async function fairBench(): Promise<void> {
  if (!chosen.length) return;
  if (storesMode === 'compare') {
    process.stdout.write('\nThe stores\' cost to the engine: oidc-provider as published, in memory and on Postgres + Redis (baseline-stores.ts), on core 0, load on core 1\n');
    execFileSync('taskset', ['-a', '-cp', '1', String(process.pid)], { stdio: 'ignore' });
    const stores = await freshStores();
    try {
      await storesCost(stores);
    } finally {
      execFileSync('taskset', ['-a', '-cp', '0,1', String(process.pid)], { stdio: 'ignore' });
      await stores.close();
    }
    return;
  }
  process.stdout.write('\nThe fair benchmark: servers on core 0, load on core 1\n');
  process.stdout.write(process.env.BENCH_BASELINE_ENGINE === 'installed'
    ? '  baseline: oidc-provider as Latchkey runs it, with its patches (BENCH_BASELINE_ENGINE=installed)\n'
    : '  baseline: oidc-provider as published (oidc-provider-published; BENCH_BASELINE_ENGINE=installed for the patched one)\n');
  process.stdout.write(onStores
    ? '  its models on Postgres + Redis, split as Latchkey splits them, one round trip per adapter call (BENCH_BASELINE_STORES=postgres-redis; baseline-stores.ts)\n'
    : '  its models in memory (BENCH_BASELINE_STORES=postgres-redis puts them on the stores Latchkey runs on)\n');
  execFileSync('taskset', ['-a', '-cp', '1', String(process.pid)], { stdio: 'ignore' });
  const results: Result[] = [];
  let argon2: number | undefined;
  const stores = await freshStores();
  try {
    if (chosen.some((w) => w.group === 'password')) {
      const out = await promisify(execFile)('taskset', ['-c', '0', process.execPath, '--import', 'tsx', 'bench/argon2-baseline.ts', '4'], { cwd: ROOT });
      process.stdout.write(out.stdout.split('\n').filter((l) => !l.startsWith('RATE')).join('\n'));
      argon2 = Number(/RATE ([\d.]+)/.exec(out.stdout)![1]);
    }

    const { server: baseline, target: baseTarget } = await startBaseline(stores, randomBytes(32).toString('base64url'), onStores ? 'stores' : 'memory');
    const port = await freePort();
    const { target, metricsPort } = await latchkeyTarget(stores, port);
    const env = { LATCHKEY_METRICS_PORT: String(metricsPort) };
    let server: ChildProcess | undefined;
    try {
      server = await startLatchkey(stores, port, '0', env);
      target.jwksUri = await jwksUriOf(target.issuer);
      // Both idle CPUs are read while both run, as they will during the slices.
      const [baseIdle, ourIdle] = [await idleCpuOf(baseline.pid!), await idleCpuOf(server.pid!)];
      results.push(...(await runPaired(
        { server: baseline, target: baseTarget, idleCpu: baseIdle! },
        { server, target, idleCpu: ourIdle!, tripsOf: (once) => roundTrips(metricsPort, once) },
        chosen,
      )));
      await stop(baseline);
      const jwks = chosen.find((w) => w.name === 'JWKS');
      if (jwks) await floor({ server, target, idleCpu: ourIdle! }, jwks);
    } finally {
      await stop(baseline);
      if (server) await stop(server);
    }

    if (process.env.BENCH_SEED === 'large') {
      await seedLarge(stores.db);
      // A Redis prefix of its own: the first run spent this address's sign-in rate budget.
      server = await startLatchkey(stores, port, '0', { ...env, LATCHKEY_REDIS_PREFIX: `${stores.redisPrefix}large:` });
      try {
        const grows = chosen.filter((w) => w.name === 'password sign-in, authorize → token' || w.name === 'client credentials, opaque');
        results.push(...(await runWorkloads(server, { ...target, label: 'Latchkey, 100k accounts + 10k clients' }, grows, (once) => roundTrips(metricsPort, once))));
      } finally {
        await stop(server);
      }
    }
  } finally {
    execFileSync('taskset', ['-a', '-cp', '0,1', String(process.pid)], { stdio: 'ignore' });
    await stores.close();
  }
  // The targets are set against the engine in memory: against the stores baseline the ratios are reported, not judged.
  report(results, chosen, { argon2, baseline: baselineLabel(onStores ? 'stores' : 'memory'), ...(onStores ? {} : { targetRatio }) });
}
