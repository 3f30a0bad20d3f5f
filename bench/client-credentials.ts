/**
 * Machine-client token issuance and introspection: Latchkey on Postgres + Redis against
 * plain oidc-provider with its in-memory adapter and one static client, both measured in
 * this run. Each server is pinned to core 0 (taskset -c 0) and this load generator to
 * core 1, so the server's cost is what is compared.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createClientRegistry } from '../src/clients/registry.js';
import { createResourcesRepo } from '../src/clients/resources-repo.js';
import { send } from './browserless.js';
import { basicAuth } from '../test/helpers/client-auth.js';
import { freePort, freshStores, measure, ratioLine, startLatchkey, startProcess, stop } from './lib.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const RESOURCE = 'https://api.example.com/reports';

interface Target {
  issuer: string;
  auth: string;
}

async function post(url: string, auth: string, params: Record<string, string>): Promise<Record<string, unknown>> {
  const res = await send(url, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

async function runAll(label: string, target: Target) {
  const opaque = await measure(`${label}: client credentials, opaque`, CONCURRENCY, async () => {
    await post(`${target.issuer}/token`, target.auth, { grant_type: 'client_credentials' });
  });
  const jwt = await measure(`${label}: client credentials, JWT ES256`, CONCURRENCY, async () => {
    await post(`${target.issuer}/token`, target.auth, { grant_type: 'client_credentials', scope: 'reports:read', resource: RESOURCE });
  });
  const token = String((await post(`${target.issuer}/token`, target.auth, { grant_type: 'client_credentials' })).access_token);
  const introspection = await measure(`${label}: introspection (opaque)`, CONCURRENCY, async () => {
    const body = await post(`${target.issuer}/token/introspection`, target.auth, { token });
    if (body.active !== true) throw new Error('token not active');
  });
  return { opaque, jwt, introspection };
}

export async function clientCredentialsBench(): Promise<void> {
  process.stdout.write('\nMachine clients (server on core 0, load on core 1)\n');
  execFileSync('taskset', ['-a', '-cp', '1', String(process.pid)], { stdio: 'ignore' });
  const stores = await freshStores();
  try {
    const secret = randomBytes(32).toString('base64url');
    const basePort = await freePort();
    const baseline = await startProcess(['--import', 'tsx', 'bench/baseline-provider.ts'], { PORT: String(basePort), BASELINE_SECRET: secret, BASELINE_RESOURCE: RESOURCE }, `http://localhost:${basePort}/.well-known/openid-configuration`, '0');
    let base;
    try {
      base = await runAll('oidc-provider baseline', { issuer: `http://localhost:${basePort}`, auth: basicAuth('baseline', secret) });
    } finally {
      await stop(baseline);
    }

    await createResourcesRepo(stores.db).create({ indicator: RESOURCE, scopes: ['reports:read'] });
    const created = await createClientRegistry(stores.db).create({
      name: 'Bench job', redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'],
      scope: '', resources: [{ indicator: RESOURCE, scopes: ['reports:read'] }], public: false, thirdParty: false,
    });
    const port = await freePort();
    const server = await startLatchkey(stores, port, '0');
    let ours;
    try {
      ours = await runAll('Latchkey', { issuer: `http://localhost:${port}`, auth: basicAuth(created.clientId, created.clientSecret!) });
    } finally {
      await stop(server);
    }
    process.stdout.write(ratioLine('opaque tokens ÷ baseline', ours.opaque, base.opaque, 0.8));
    process.stdout.write(ratioLine('JWT tokens ÷ baseline', ours.jwt, base.jwt, 0.8));
    process.stdout.write(ratioLine('introspection ÷ baseline', ours.introspection, base.introspection, 0.8));
  } finally {
    execFileSync('taskset', ['-a', '-cp', '0,1', String(process.pid)], { stdio: 'ignore' });
    await stores.close();
  }
}
