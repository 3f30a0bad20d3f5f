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
import { freePort, freshStores, idleCpuOf, measure, resetPeak, ROOT, rssOf, startLatchkey, startProcess, stop, type Measured, type Stores } from './lib.js';
import { ACCOUNTS, emailOf, PASSWORD, RESOURCE, targetRatio, WORKLOADS, type Target, type Workload } from './workloads.js';
import { roundTrips, type RoundTrips } from './round-trips.js';
import { seedLarge } from './seed-large.js';
import { report, type Result } from './report.js';

const REDIRECT_URI = 'http://localhost:8099/callback';
const only = process.env.BENCH_ONLY;
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

async function latchkeyTarget(stores: Stores, port: number): Promise<{ target: Target; metricsPort: number }> {
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

/** The JWKS from a bare node:http server (static-floor.ts): the least a Node server can spend on it. */
async function floor(jwks: { body: string; headers: Array<[string, string]> }): Promise<void> {
  const port = await freePort();
  const url = `http://localhost:${port}/jwks`;
  const server = await startProcess(['--import', 'tsx', 'bench/static-floor.ts'], { PORT: String(port), FLOOR_BODY: jwks.body, FLOOR_HEADERS: JSON.stringify(jwks.headers) }, url, '0');
  try {
    const once = async () => void (await (await fetch(url)).arrayBuffer());
    const { serverCpuMs } = await measure('bare node:http, the same JWKS bytes (floor)', 8, once, server.pid!, await idleCpuOf(server.pid!));
    process.stdout.write(`  (the floor: ${(1000 / serverCpuMs!).toFixed(0)} requests per CPU-second; no Node server answers the JWKS for less)\n`);
  } finally {
    await stop(server);
  }
}

export async function fairBench(): Promise<void> {
  if (!chosen.length) return;
  process.stdout.write('\nThe fair benchmark: servers on core 0, load on core 1\n');
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

    let jwksFloor = { body: '{}', headers: [] as Array<[string, string]> };
    const secret = randomBytes(32).toString('base64url');
    const basePort = await freePort();
    const baseIssuer = `http://localhost:${basePort}`;
    const baseline = await startProcess(
      ['--import', 'tsx', 'bench/baseline-provider.ts'],
      { PORT: String(basePort), BASELINE_SECRET: secret, BASELINE_RESOURCE: RESOURCE, BASELINE_REDIRECT_URI: REDIRECT_URI },
      `${baseIssuer}/.well-known/openid-configuration`,
      '0',
    );
    try {
      const target: Target = {
        label: 'oidc-provider', issuer: baseIssuer, machineAuth: basicAuth('baseline', secret), web: { id: 'web', secret },
        redirectUri: REDIRECT_URI, jwksUri: await jwksUriOf(baseIssuer),
      };
      results.push(...(await runWorkloads(baseline, target, chosen)));
      const jwks = await fetch(target.jwksUri);
      jwksFloor = { body: await jwks.text(), headers: [...jwks.headers].filter(([name]) => !['date', 'connection', 'keep-alive', 'content-length'].includes(name)) };
    } finally {
      await stop(baseline);
    }

    if (chosen.some((w) => w.name === 'JWKS')) await floor(jwksFloor);

    const port = await freePort();
    const { target, metricsPort } = await latchkeyTarget(stores, port);
    const env = { LATCHKEY_METRICS_PORT: String(metricsPort) };
    let server = await startLatchkey(stores, port, '0', env);
    try {
      target.jwksUri = await jwksUriOf(target.issuer);
      results.push(...(await runWorkloads(server, target, chosen, (once) => roundTrips(metricsPort, once))));
      if (process.env.BENCH_SEED === 'large') {
        await stop(server);
        await seedLarge(stores.db);
        // A Redis prefix of its own: the first run spent this address's sign-in rate budget.
        server = await startLatchkey(stores, port, '0', { ...env, LATCHKEY_REDIS_PREFIX: `${stores.redisPrefix}large:` });
        const grows = chosen.filter((w) => w.name.startsWith('password sign-in') || w.name === 'client credentials, opaque');
        const large = await runWorkloads(server, { ...target, label: 'Latchkey, 100k accounts + 10k clients' }, grows, (once) => roundTrips(metricsPort, once));
        results.push(...large);
      }
    } finally {
      await stop(server);
    }
  } finally {
    execFileSync('taskset', ['-a', '-cp', '0,1', String(process.pid)], { stdio: 'ignore' });
    await stores.close();
  }
  report(results, chosen, { argon2, targetRatio });
}
