import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe } from 'node:test';
import { backends, type Backend, type OpenBackend } from '../../helpers/backends.js';
import { basicAuth } from '../../helpers/client-auth.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { oidc } from '../../helpers/rp.js';
import type { ClientInput } from '../../../src/clients/metadata.js';
import { createClientRegistry } from '../../../src/clients/registry.js';
import { createResourcesRepo } from '../../../src/clients/resources-repo.js';
import { createResourceServer } from '../../../examples/resource-server/app.js';

export const API = 'https://api.example.com/reports';
export const SCOPE = 'reports:read';
export const OPAQUE_API = 'https://api.example.com/opaque';
/** A third API that the default machine client is not granted. */
export const OTHER_API = 'https://api.example.com/billing';

/**
 * The machine-client flows' shared setup, registered in the calling suite: a Latchkey
 * on a test clock (`m.now`, moved forward by the tests that need time to pass), three
 * registered resources (two with JWT tokens, one opaque; machine clients are granted
 * the first and the opaque one), a resource server registered for
 * introspection, and the example resource server in front of each resource.
 */
function machineClientsSetup(backend: Backend) {
  let open: OpenBackend;
  let lk: TestLatchkey;
  let now = new Date('2026-11-24T10:00:00Z');
  let api: { server: Server; url: string };
  let opaqueApi: { server: Server; url: string };
  let introspector: { clientId: string; clientSecret: string };
  const clients = () => createClientRegistry(open.db, { clock: () => now });

  async function machine(extra: Partial<ClientInput> = {}) {
    const created = await clients().create({
      name: 'Nightly reports job',
      redirectUris: [],
      postLogoutRedirectUris: [],
      grantTypes: ['client_credentials'],
      scope: '',
      // Both APIs, with the one scope these tests ask for (client_resources).
      resources: [
        { indicator: API, scopes: [SCOPE] },
        { indicator: OPAQUE_API, scopes: [SCOPE] },
      ],
      public: false,
      thirdParty: false,
      ...extra,
    });
    return { clientId: created.clientId, clientSecret: created.clientSecret!, secretId: created.secretId! };
  }

  async function configFor(c: { clientId: string; clientSecret?: string }, auth?: oidc.ClientAuth) {
    return oidc.discovery(new URL(lk.issuer), c.clientId, undefined, auth ?? oidc.ClientSecretBasic(c.clientSecret!), { execute: [oidc.allowInsecureRequests] });
  }

  async function token(c: { clientId: string; clientSecret: string }, params: Record<string, string> = {}, method: 'basic' | 'post' = 'basic') {
    const body = new URLSearchParams({ grant_type: 'client_credentials', ...params });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (method === 'basic') headers.authorization = basicAuth(c.clientId, c.clientSecret);
    else body.set('client_id', c.clientId), body.set('client_secret', c.clientSecret);
    const res = await fetch(`${lk.issuer}/token`, { method: 'POST', headers, body });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async function introspect(as: { clientId: string; clientSecret: string }, value: string) {
    const res = await fetch(`${lk.issuer}/token/introspection`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(as.clientId, as.clientSecret),
      },
      body: new URLSearchParams({ token: value }),
    });
    return (await res.json()) as Record<string, unknown>;
  }

  async function call(path: string, accessToken: string, base = api.url) {
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${accessToken}` } });
    return { status: res.status, challenge: res.headers.get('www-authenticate'), body: (await res.json()) as Record<string, unknown> };
  }

  before(async () => {
    open = await backend.open();
    lk = await startLatchkey(open, {}, { clock: () => now });
    await createResourcesRepo(open.db).create({ indicator: API, name: 'Reports API', scopes: ['reports:read', 'reports:write'] });
    await createResourcesRepo(open.db).create({ indicator: OPAQUE_API, scopes: [SCOPE], tokenFormat: 'opaque' });
    await createResourcesRepo(open.db).create({ indicator: OTHER_API, name: 'Billing API', scopes: ['billing:read'] });
    introspector = await machine({ name: 'Reports API', canIntrospect: true, scope: '', resources: [] });
    const serve = async (audience: string, scopes: string[]) => {
      const server = createServer(createResourceServer({ issuer: lk.issuer, audience, introspection: introspector, scopes, serviceScope: SCOPE }).callback());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    };
    api = await serve(API, ['reports:read', 'reports:write']);
    opaqueApi = await serve(OPAQUE_API, [SCOPE]);
  });
  after(async () => {
    api?.server.close();
    opaqueApi?.server.close();
    await lk?.close();
    await open?.close();
  });

  return {
    get lk() {
      return lk;
    },
    /** The test clock Latchkey reads; assign to move time. */
    get now() {
      return now;
    },
    set now(value: Date) {
      now = value;
    },
    get opaqueApi() {
      return opaqueApi;
    },
    /** A resource server allowed to introspect any token. */
    get introspector() {
      return introspector;
    },
    clients,
    /** A new client-credentials client, with its secret. */
    machine,
    configFor,
    /** A raw client-credentials token request (client_secret_basic or _post). */
    token,
    introspect,
    /** Calls the example resource server (the JWT one unless `base` says otherwise). */
    call,
  };
}

export type MachineClientsSuite = ReturnType<typeof machineClientsSetup>;

/** A suite of machine-client tests, run once per backend. */
export function machineClientsSuite(name: string, fn: (m: MachineClientsSuite) => void): void {
  for (const backend of backends()) {
    describe(`${name} (${backend.name})`, () => fn(machineClientsSetup(backend)));
  }
}
