import { createAccountsRepo } from '../../accounts/accounts-repo.js';
import { ADMIN_SCOPES, adminIndicator } from '../../clients/admin-resource.js';
import type { AdminDeps } from '../service/index.js';
import { viewClient } from '../service/index.js';
import { ApiProblem } from './problem.js';
import type { ApiRoute } from './route-table.js';

/**
 * An automation client's power is its token's admin scopes, and no route may turn a part
 * of that power into more: a client cannot hand out (or take over, by a new secret) a
 * client that holds admin scopes it lacks, and only a token with every admin scope may
 * make or change an administrator, whose console session can do everything.
 */
const refused = (message: string) => new ApiProblem(403, 'admin.scope_escalation', message);
const holdsAll = (held: ReadonlySet<string>) => ADMIN_SCOPES.every((s) => held.has(s));

/** Grants being given: only admin scopes the caller holds itself. */
export function checkAdminGrants(deps: AdminDeps, held: ReadonlySet<string>, grants: ReadonlyArray<{ indicator: string; scopes: string[] }> | undefined): void {
  const indicator = adminIndicator(deps.config.issuer);
  const extra = (grants ?? []).filter((g) => g.indicator === indicator).flatMap((g) => g.scopes).find((scope) => !held.has(scope));
  if (extra) throw refused(`you cannot grant ${extra}: your own token does not hold it`);
}

/** A client being changed, deleted or given a secret: its admin grant must be within the caller's. */
export async function checkClientTarget(deps: AdminDeps, held: ReadonlySet<string>, clientId: string): Promise<void> {
  const client = await viewClient(deps, clientId);
  checkAdminGrants(deps, held, client.resources);
}

/** Making an administrator, or acting on one: every admin scope. */
export async function checkUserTarget(deps: AdminDeps, held: ReadonlySet<string>, userId: string | undefined, grantsAdmin: boolean): Promise<void> {
  if (holdsAll(held)) return;
  if (grantsAdmin) throw refused('only a token with every admin scope can grant or revoke the admin role');
  const target = userId ? await createAccountsRepo(deps.db).findById(userId, { includeDisabled: true }) : undefined;
  if (target?.isAdmin) throw refused('only a token with every admin scope can change an administrator');
}

/** Every user route that changes something runs checkUserTarget first (before validation: a bad id finds no one). */
export function guardUserWrites(routes: ApiRoute[]): ApiRoute[] {
  return routes.map((r) =>
    r.method === 'get'
      ? r
      : {
          ...r,
          handle: async (input) => {
            const id = (input.params as { id?: unknown } | undefined)?.id;
            const body = input.body as { admin?: unknown } | undefined;
            await checkUserTarget(input.deps, input.scopes, typeof id === 'string' ? id : undefined, body?.admin !== undefined);
            return r.handle(input);
          },
        },
  );
}
