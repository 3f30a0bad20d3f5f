import { adminIndicator } from '../../clients/admin-resource.js';
import { createResourcesRepo, type Resource, type ResourceInput } from '../../clients/resources-repo.js';
import { actorDetail, adminErrors, checkIfMatch, etagOf, type Actor, type AdminDeps } from './context.js';
import type { Precondition } from './users-write.js';

/** Every registered API (few: no paging), with its ETag. */
export async function listResources(deps: Pick<AdminDeps, 'db'>): Promise<Resource[]> {
  return createResourcesRepo(deps.db).list();
}

export async function viewResource(deps: Pick<AdminDeps, 'db'>, indicator: string): Promise<Resource & { etag: string }> {
  const resource = await createResourcesRepo(deps.db).find(indicator);
  if (!resource) throw adminErrors.notFound(`resource ${indicator}`);
  return { ...resource, etag: etagOf(resource) };
}

/** Latchkey defines its own admin API's scopes and token format; nobody edits them. */
function refuseBuiltIn(deps: Pick<AdminDeps, 'config'>, indicator: string): void {
  if (indicator === adminIndicator(deps.config.issuer)) throw adminErrors.reserved(`${indicator} is Latchkey's own admin API: its scopes and token format are fixed`);
}

export async function createResource(deps: Pick<AdminDeps, 'db' | 'audit' | 'config'>, actor: Actor, input: ResourceInput): Promise<Resource> {
  refuseBuiltIn(deps, input.indicator);
  const created = await createResourcesRepo(deps.db).create(input);
  await deps.audit.record({ type: 'resource.created', detail: { ...actorDetail(actor), indicator: created.indicator } });
  return created;
}

export type ResourceChange = Partial<Omit<ResourceInput, 'indicator'>>;

/**
 * Changes an API's name, scopes, descriptions, token format or token lifetime under
 * If-Match. Removing a scope removes it from every client's grant in effect (the provider
 * intersects grant and resource), so no token carries a scope the API no longer has.
 */
export async function updateResource(deps: Pick<AdminDeps, 'db' | 'audit' | 'config'>, actor: Actor, indicator: string, change: ResourceChange, pre: Precondition = {}): Promise<Resource> {
  refuseBuiltIn(deps, indicator);
  const updated = await deps.db.transaction(async (tx) => {
    const current = await viewResource({ db: tx }, indicator);
    checkIfMatch(pre.ifMatch, current.etag);
    const scopes = change.scopes ?? current.scopes;
    // Descriptions of scopes that are gone go with them, unless new ones are given.
    const descriptions = change.scopeDescriptions ?? Object.fromEntries(Object.entries(current.scopeDescriptions).filter(([s]) => scopes.includes(s)));
    return (await createResourcesRepo(tx).update({
      indicator,
      name: change.name ?? current.name,
      scopes,
      scopeDescriptions: descriptions,
      tokenFormat: change.tokenFormat ?? current.tokenFormat,
      accessTokenTtl: change.accessTokenTtl ?? current.accessTokenTtl,
    }))!;
  });
  await deps.audit.record({ type: 'resource.updated', detail: { ...actorDetail(actor), indicator, fields: Object.keys(change) } });
  return updated;
}
