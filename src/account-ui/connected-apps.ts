import { z } from 'zod';
import { AppError } from '../common/errors.js';
import { requireCsrf } from '../pages/csrf.js';
import { ACCOUNT_CLIENT_ID } from '../provider/account-client.js';
import { ADMIN_CLIENT_ID } from '../provider/admin-client.js';
import { confirmPage, doneRedirect, formBody, who, type AccountRouteDeps, type AccountRouter } from './account-kit.js';

/** One row of the connected apps: a grant the account gave a client. */
export interface AppRow {
  handle: string;
  clientId: string;
  name: string;
  scopes: string[];
  grantedAt: Date | undefined;
}

// The parts of a stored Grant payload the list shows (oidc-provider's Grant model).
const grantPayload = z.object({
  clientId: z.string(),
  iat: z.number().optional(),
  openid: z.object({ scope: z.string().optional() }).loose().optional(),
  resources: z.record(z.string(), z.string()).optional(),
});

function appNotFound(): AppError {
  return new AppError('account.app_not_found', 'That app has no access any more (or is not yours to revoke).', { status: 404 });
}

/** The apps the account has granted access, newest first; Latchkey's own account page and admin console are not. */
export async function appRows(deps: AccountRouteDeps, accountId: string): Promise<AppRow[]> {
  const rows: AppRow[] = [];
  for (const grant of await deps.models.grants(accountId)) {
    const parsed = grantPayload.safeParse(grant.payload);
    if (!parsed.success || parsed.data.clientId === ACCOUNT_CLIENT_ID || parsed.data.clientId === ADMIN_CLIENT_ID) continue;
    const { clientId, iat, openid, resources } = parsed.data;
    const client = await deps.provider.Client.find(clientId);
    const scopes = [...(openid?.scope?.split(' ') ?? []), ...Object.values(resources ?? {}).flatMap((s) => s.split(' '))].filter(Boolean);
    rows.push({
      handle: grant.handle,
      clientId,
      name: client?.clientName ?? clientId,
      scopes: [...new Set(scopes)],
      grantedAt: iat ? new Date(iat * 1000) : undefined,
    });
  }
  return rows;
}

/** /account/apps: revoke an app's access (after a confirmation page). */
export function connectedAppRoutes(router: AccountRouter, deps: AccountRouteDeps): void {
  const { guard, ending } = deps;
  const form = formBody();

  router.get('/apps/:handle/revoke', guard.requireSignedIn, async (ctx) => {
    const app = (await appRows(deps, who(ctx).account.id)).find((a) => a.handle === ctx.params.handle);
    if (!app) throw appNotFound();
    await confirmPage(ctx, {
      title: `Remove access for ${app.name}`,
      message: `${app.name} will no longer be able to use your account: its tokens stop working, and it will have to ask you again.`,
      detail: app.scopes.length ? `It can now use: ${app.scopes.join(', ')}.` : '',
      action: `/account/apps/${encodeURIComponent(app.handle)}/revoke`,
      button: 'Remove access',
    });
  });

  router.post('/apps/:handle/revoke', guard.requireSignedIn, form, requireCsrf(), async (ctx) => {
    const me = who(ctx);
    const handle = String(ctx.params.handle);
    // The account page's own grant is not listed, and not revocable from here either.
    const app = (await appRows(deps, me.account.id)).find((a) => a.handle === handle);
    if (!app || !(await ending.revokeGrant(me.account.id, handle, { ip: ctx.ip, reason: 'owner' }))) throw appNotFound();
    doneRedirect(ctx, 'app-revoked');
  });
}
