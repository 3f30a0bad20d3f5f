import { after, before, describe } from 'node:test';
import { backends, type Backend, type OpenBackend } from '../../helpers/backends.js';
import { basicAuth } from '../../helpers/client-auth.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { adminGrant, createClient } from '../../../src/admin/service/index.js';
import { createAuditLog } from '../../../src/audit/audit-log.js';
import { systemClock } from '../../../src/common/clock.js';

export const ALL_SCOPES = 'admin:users:read admin:users:write admin:clients:read admin:clients:write admin:resources:read admin:resources:write admin:audit:read';

export interface ApiAnswer {
  status: number;
  headers: Headers;
  // any: JSON of many shapes; each test asserts the fields it reads.
  body: any;
}

export interface AdminApiContext {
  lk: TestLatchkey;
  open: OpenBackend;
  /** A client-credentials client granted these admin scopes, and a fresh token of it. */
  automation(scopes?: string, extra?: { grantTypes?: string[] }): Promise<{ clientId: string; clientSecret: string; token: string }>;
  token(client: { clientId: string; clientSecret: string }, params?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
  api(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string }): Promise<ApiAnswer>;
}

function setupFor(backend: Backend, env: Record<string, string>) {
  const ctx = {} as AdminApiContext;
  before(async () => {
    ctx.open = await backend.open();
    ctx.lk = await startLatchkey(ctx.open, env);
  });
  after(async () => {
    await ctx.lk?.close();
    await ctx.open?.close();
  });
  ctx.token = async (client, params = {}) => {
    const res = await fetch(`${ctx.lk.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(client.clientId, client.clientSecret) },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...params }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  ctx.automation = async (scopes = ALL_SCOPES, extra = {}) => {
    const { db } = ctx.open;
    const deps = { db, clock: systemClock, config: ctx.lk.config, audit: createAuditLog(db) };
    const created = await createClient(deps, { kind: 'cli' }, {
      name: 'Admin automation',
      redirectUris: [],
      postLogoutRedirectUris: [],
      grantTypes: extra.grantTypes ?? ['client_credentials'],
      scope: '',
      resources: [adminGrant(ctx.lk.issuer, scopes)],
      public: false,
      thirdParty: false,
    });
    const client = { clientId: created.clientId, clientSecret: created.clientSecret! };
    const answer = await ctx.token(client, { resource: `${ctx.lk.issuer}/admin/api`, scope: scopes });
    if (answer.status !== 200) throw new Error(`no admin token: ${JSON.stringify(answer.body)}`);
    return { ...client, token: String(answer.body.access_token) };
  };
  ctx.api = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.raw;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const res = await fetch(`${ctx.lk.issuer}${path.startsWith('/admin') ? path : `/admin/api/v1${path}`}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, headers: res.headers, body: /json/.test(type) && !/ndjson/.test(type) && text ? JSON.parse(text) : text };
  };
  return ctx;
}

/** The admin API suites run once per backend (embedded always; Postgres + Redis from env). */
export function adminApiSuite(name: string, tests: (ctx: AdminApiContext) => void, env: Record<string, string> = {}): void {
  for (const backend of backends()) {
    describe(`${name} (${backend.name})`, () => tests(setupFor(backend, env)));
  }
}
