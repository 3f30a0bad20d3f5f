import { z } from 'zod';
import { AppError } from '../../common/errors.js';
import { adminIndicator, ensureAdminResource } from '../../clients/admin-resource.js';
import type { ResourceGrant } from '../../clients/client-resources-repo.js';
import type { ClientChange } from '../../clients/client-update.js';
import type { ClientInput } from '../../clients/metadata.js';
import { createClientRegistry, type CreatedClient } from '../../clients/registry.js';
import { createClientsRepository, type ClientSummary } from '../../clients/repository.js';
import { actorDetail, adminErrors, checkIfMatch, etagOf, type Actor, type AdminDeps } from './context.js';
import { clampLimit, decodeCursor, encodeCursor, type Page } from './cursor.js';
import type { Precondition } from './users-write.js';

type Deps = Pick<AdminDeps, 'db' | 'clock' | 'config'>;

const registryFor = (deps: Pick<AdminDeps, 'db' | 'clock'>, actor?: Actor) =>
  createClientRegistry(deps.db, { clock: deps.clock, ...(actor ? { auditDetail: actorDetail(actor) } : {}) });

export type ClientView = NonNullable<Awaited<ReturnType<ReturnType<typeof createClientRegistry>['show']>>>;

/** Clients by name, paged by an opaque cursor. */
export async function listClients(deps: Pick<AdminDeps, 'db' | 'clock'>, input: { cursor?: string | undefined; limit?: number | undefined }): Promise<Page<ClientSummary>> {
  const after = decodeCursor(input.cursor, z.object({ name: z.string(), clientId: z.string() }));
  const { clients, more } = await registryFor(deps).page(after, clampLimit(input.limit));
  const last = clients.at(-1);
  return { items: clients, ...(more && last ? { nextCursor: encodeCursor({ name: last.name, clientId: last.clientId }) } : {}) };
}

/**
 * The ETag of a client covers what an edit acts on and what a secret change alters; not
 * the secrets' last-use times, which a busy client changes with every token.
 */
export function clientEtag(view: ClientView): string {
  return etagOf({ ...view, secrets: view.secrets.map(({ lastUsedAt: _used, ...s }) => s) });
}

/** A client with its secrets (never the values), granted resources, last use and ETag. */
export async function viewClient(deps: Pick<AdminDeps, 'db' | 'clock'>, clientId: string): Promise<ClientView & { etag: string; lastUsedAt: Date | null }> {
  const shown = await registryFor(deps).show(clientId);
  if (!shown) throw adminErrors.notFound(`client with id ${clientId}`);
  const used = shown.secrets.map((s) => s.lastUsedAt?.getTime() ?? 0).reduce((a, b) => Math.max(a, b), 0);
  return { ...shown, etag: clientEtag(shown), lastUsedAt: used ? new Date(used) : null };
}

/**
 * A user's API key (clients/api-keys.ts) is the owner's: it is changed or given a secret
 * only by the owner, or a new secret would let whoever holds it act as the owner's key.
 * Admins revoke keys (user-api-keys.ts), disable or delete them; they never take one over.
 */
function refuseUserKey(owner: string | null | undefined, clientId: string): void {
  if (owner) throw new AppError('admin.user_api_key', `${clientId} is a user's API key: only its owner changes it or gives it a secret (admins can revoke it)`, { status: 409 });
}

/** Grants on the admin API go through ensureAdminResource first, so its row is as Latchkey defines it. */
async function withAdminResource(deps: Deps, grants: readonly ResourceGrant[] | undefined): Promise<void> {
  const admin = adminIndicator(deps.config.issuer);
  if (grants?.some((g) => g.indicator === admin)) await ensureAdminResource(deps.db, deps.config.issuer);
}

/** `admin:users:write admin:clients:read …` as a grant on `<issuer>/admin/api` (`client create --admin-scopes`). */
export function adminGrant(issuer: string, scopes: string): ResourceGrant {
  return { indicator: adminIndicator(issuer), scopes: scopes.split(/\s+/).filter(Boolean) };
}

/** Registers a web or machine client; the secret is in the answer once and never again. */
export async function createClient(deps: Deps, actor: Actor, input: ClientInput): Promise<CreatedClient> {
  await withAdminResource(deps, input.resources);
  return registryFor(deps, actor).create(input);
}

export interface ClientEdit extends ClientChange {
  /** Replaces the client's resource grants with these (each checked against the resource). */
  resources?: ResourceGrant[] | undefined;
  /** true: disable (no new tokens, tokens stop introspecting); false: enable again. */
  disabled?: boolean | undefined;
}

/**
 * Changes a client under If-Match, in one transaction that holds the client's row: a
 * concurrent edit waits, then sees the changed ETag and gets 412 (RFC 9110 §13.1.1),
 * never a silent overwrite. Each part is its own audit event.
 */
export async function editClient(deps: Deps, actor: Actor, clientId: string, edit: ClientEdit, pre: Precondition = {}): Promise<void> {
  const { resources, disabled, ...change } = edit;
  if (resources) await withAdminResource(deps, resources);
  await deps.db.transaction(async (tx) => {
    const txDeps = { ...deps, db: tx };
    const row = await createClientsRepository(tx).rowForUpdate(clientId);
    if (!row) throw adminErrors.notFound(`client with id ${clientId}`);
    if (Object.keys(change).length || resources) refuseUserKey(row.owner_account_id, clientId);
    checkIfMatch(pre.ifMatch, (await viewClient(txDeps, clientId)).etag);
    const registry = registryFor(txDeps, actor);
    if (Object.keys(change).length) await registry.update(clientId, change);
    if (resources) {
      const current = (await registry.show(clientId))?.resources ?? [];
      for (const grant of resources) await registry.grantResource(clientId, grant);
      for (const old of current) if (!resources.some((g) => g.indicator === old.indicator)) await registry.revokeResource(clientId, old.indicator);
    }
    if (disabled === true) await registry.disable(clientId);
    if (disabled === false) await registry.enable(clientId);
  });
}

/** A new secret; the live ones keep working for `overlapSeconds`, then stop. Shown once. */
export async function rotateClientSecret(
  deps: Pick<AdminDeps, 'db' | 'clock'>,
  actor: Actor,
  clientId: string,
  input: { overlapSeconds: number; expiresInSeconds?: number | undefined },
): Promise<{ secretId: string; clientSecret: string }> {
  refuseUserKey((await viewClient(deps, clientId)).ownerAccountId, clientId);
  return registryFor(deps, actor).rotateSecret(clientId, input.overlapSeconds, input.expiresInSeconds);
}

export async function revokeClientSecret(deps: Pick<AdminDeps, 'db' | 'clock'>, actor: Actor, clientId: string, secretId: string): Promise<void> {
  if (!(await registryFor(deps, actor).revokeSecret(clientId, secretId))) throw adminErrors.notFound(`live secret ${secretId} on client ${clientId}`);
}

/** Disables or enables; false when it already was so (or there is no such client). */
export function setClientDisabled(deps: Pick<AdminDeps, 'db' | 'clock'>, actor: Actor, clientId: string, disabled: boolean): Promise<boolean> {
  const registry = registryFor(deps, actor);
  return disabled ? registry.disable(clientId) : registry.enable(clientId);
}

/** Deletes the client and revokes its grants and refresh tokens. */
export async function deleteClient(deps: Pick<AdminDeps, 'db' | 'clock'>, actor: Actor, clientId: string, pre: Precondition = {}): Promise<boolean> {
  if (pre.ifMatch !== undefined) checkIfMatch(pre.ifMatch, (await viewClient(deps, clientId)).etag);
  return registryFor(deps, actor).delete(clientId);
}

/** Grants one resource (CLI `client grant-resource`); the admin API resource is restored first. */
export async function grantClientResource(deps: Deps, actor: Actor, clientId: string, grant: ResourceGrant): Promise<ResourceGrant> {
  await withAdminResource(deps, [grant]);
  return registryFor(deps, actor).grantResource(clientId, grant);
}

export function revokeClientResource(deps: Pick<AdminDeps, 'db' | 'clock'>, actor: Actor, clientId: string, indicator: string): Promise<boolean> {
  return registryFor(deps, actor).revokeResource(clientId, indicator);
}
