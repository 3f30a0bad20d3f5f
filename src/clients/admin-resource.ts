import type { Db } from '../storage/db.js';
import { createResourcesRepo } from './resources-repo.js';

/** The fine-grained scopes of Latchkey's own admin API, one read and one write per area. */
export const ADMIN_SCOPES = [
  'admin:users:read',
  'admin:users:write',
  'admin:clients:read',
  'admin:clients:write',
  'admin:resources:read',
  'admin:resources:write',
  'admin:audit:read',
] as const;

export type AdminScope = (typeof ADMIN_SCOPES)[number];

const DESCRIPTIONS: Record<AdminScope, string> = {
  'admin:users:read': 'See user accounts, their passkeys, sessions and audit events',
  'admin:users:write': 'Create, disable, enable and unlock user accounts, and grant the admin role',
  'admin:clients:read': 'See OAuth clients and their secrets (never a secret itself)',
  'admin:clients:write': 'Create, change, disable and delete OAuth clients and their secrets',
  'admin:resources:read': 'See the registered APIs',
  'admin:resources:write': 'Register and change APIs, their scopes and token format',
  'admin:audit:read': 'Read and export the audit log',
};

/** The admin API's resource indicator (RFC 8707): `<issuer>/admin/api`. */
export function adminIndicator(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/admin/api`;
}

// Opaque, short-lived: the API looks each token up in the engine's store, so revoking the
// token or disabling its client takes effect on the next request (admin/api/bearer.ts).
const ADMIN_TOKEN_TTL_SECONDS = 600;

/**
 * Registers (or restores) the admin API as a resource, so clients are granted its scopes
 * like any other API's (`client create --admin-scopes`, clients/registry.ts) and the
 * token endpoint issues tokens for it through the same resourceIndicators code. Run at
 * start and before each grant, so an edited or missing row is put back as Latchkey
 * defines it; the admin service refuses to edit it.
 */
export async function ensureAdminResource(db: Db, issuer: string): Promise<void> {
  await createResourcesRepo(db).upsertBuiltIn({
    indicator: adminIndicator(issuer),
    name: 'Latchkey admin API',
    scopes: [...ADMIN_SCOPES],
    scopeDescriptions: DESCRIPTIONS,
    tokenFormat: 'opaque',
    accessTokenTtl: ADMIN_TOKEN_TTL_SECONDS,
  });
}
