import type { Context } from 'koa';
import { findUserApiKey, listResources, listUserApiKeys, revokeUserApiKey, type UserApiKey } from '../../service/index.js';
import { confirmRoute } from './confirm.js';
import { actorOf, doneRedirect, param, type PageKit } from './kit.js';

/** A key as the user view's table shows it: each API by its name, with the scopes granted there. */
export interface ApiKeyRow extends UserApiKey {
  apis: Array<{ name: string; scopes: string[] }>;
}

/**
 * The user's API keys for the user view. A user has at most the policy's number of keys
 * (LATCHKEY_API_KEYS_PER_ACCOUNT), so one page of the largest size holds them all.
 */
export async function userApiKeyRows(kit: PageKit, accountId: string): Promise<ApiKeyRow[]> {
  const [{ items }, resources] = await Promise.all([listUserApiKeys(kit.service, accountId, { limit: 200 }), listResources(kit.service)]);
  const names = new Map(resources.map((r) => [r.indicator, r.name]));
  return items.map((k) => ({ ...k, apis: k.grants.map((g) => ({ name: names.get(g.indicator) ?? g.indicator, scopes: g.scopes })) }));
}

const userUrl = (id: string) => `/admin/users/${encodeURIComponent(id)}`;

/** Revoke…: a confirmation page, then the POST (CSRF-checked by `post`), then the user view with a notice. */
export function userApiKeyPages(kit: PageKit): void {
  const { router, requireAdmin, post, service } = kit;
  const path = '/users/:id/api-keys/:clientId/revoke';

  confirmRoute(router, requireAdmin, path, async (ctx: Context) => {
    const id = param(ctx, 'id');
    const key = await findUserApiKey(service, id, param(ctx, 'clientId'));
    return {
      title: 'Revoke this API key?',
      message: `"${key.name}" stops working at once: its secret is refused and every access token it holds ends. Its owner has to make a new key (and deploy it) to call those APIs again.`,
      button: 'Revoke the key',
      section: 'users',
      subject: `${key.name} of ${key.ownerEmail}`,
      cancel: `${userUrl(id)}#api-keys`,
    };
  });

  router.post(path, requireAdmin, ...post, async (ctx) => {
    const id = param(ctx, 'id');
    await revokeUserApiKey(service, actorOf(ctx), id, param(ctx, 'clientId'), { ip: ctx.ip });
    doneRedirect(ctx, userUrl(id), 'api-key-revoked');
  });
}
