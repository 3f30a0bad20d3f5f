import { createApiKeys } from '../../src/clients/api-keys.js';
import { createResourcesRepo } from '../../src/clients/resources-repo.js';
import { systemClock } from '../../src/common/clock.js';
import type { Config } from '../../src/config/config.js';
import type { Db } from '../../src/storage/db.js';
import { basicAuth } from './client-auth.js';

/** An API whose `reports:read` users may delegate to their own keys. */
export const REPORTS = 'https://reports.example.com/';

/** Registers the Reports API once per database (users may delegate its read scope). */
export async function ensureReportsApi(db: Db): Promise<void> {
  const resources = createResourcesRepo(db);
  if (!(await resources.list()).some((r) => r.indicator === REPORTS)) {
    await resources.create({ indicator: REPORTS, name: 'Reports API', scopes: ['reports:read', 'reports:write'], userDelegableScopes: ['reports:read'] });
  }
}

/** A user's own API key, made as the account page makes it (clients/api-keys.ts), valid for 30 days. */
export async function createUserApiKey(db: Db, config: Config, ownerId: string, name = 'Nightly export') {
  await ensureReportsApi(db);
  const keys = createApiKeys(db, { clock: systemClock, policy: config.apiKeys });
  return keys.create(ownerId, { name, grants: [{ indicator: REPORTS, scopes: ['reports:read'] }], expiresAt: new Date(Date.now() + 30 * 24 * 3600 * 1000) });
}

/** The key's client-credentials token request for the Reports API. */
export async function apiKeyToken(issuer: string, key: { clientId: string; clientSecret: string }) {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(key.clientId, key.clientSecret) },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: REPORTS, scope: 'reports:read' }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
