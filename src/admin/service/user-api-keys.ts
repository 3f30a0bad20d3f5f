import { listApiKeys, revokeApiKey, type ApiKey, type Revoker } from '../../clients/api-keys.js';
import { AppError, isAppError } from '../../common/errors.js';
import { adminErrors, type Actor, type AdminDeps } from './context.js';
import { clampLimit, type Page } from './cursor.js';
import { loadAccount } from './users-read.js';

/** An API key as the admin API and console show it: never a secret, with whether it has ended. */
export type UserApiKey = ApiKey & { expired: boolean };

type KeyDeps = Pick<AdminDeps, 'db' | 'clock' | 'apiKeys'>;

/** The key's own cursor error in the admin service's words (one stable code per API). */
async function paged(deps: KeyDeps, owner: string | 'all', input: { cursor?: string | undefined; limit?: number | undefined }): Promise<Page<UserApiKey>> {
  try {
    const { items, nextCursor } = await listApiKeys(deps.apiKeys, owner, input.cursor || undefined, clampLimit(input.limit));
    const now = deps.clock().getTime();
    return { items: items.map((k) => ({ ...k, expired: k.expiresAt.getTime() <= now })), ...(nextCursor ? { nextCursor } : {}) };
  } catch (err) {
    if (isAppError(err) && err.code === 'api_key.bad_cursor') throw new AppError('admin.bad_cursor', 'cursor is not one this API returned', { status: 400, cause: err });
    throw err;
  }
}

/** A user's self-service API keys, oldest first, paged by an opaque cursor; 404 for an unknown user. */
export async function listUserApiKeys(deps: KeyDeps, accountId: string, input: { cursor?: string | undefined; limit?: number | undefined } = {}): Promise<Page<UserApiKey>> {
  await loadAccount(deps, accountId);
  return paged(deps, accountId, input);
}

/** Every user's API keys, oldest first (the operator's overview), paged. */
export function listAllApiKeys(deps: KeyDeps, input: { cursor?: string | undefined; limit?: number | undefined } = {}): Promise<Page<UserApiKey>> {
  return paged(deps, 'all', input);
}

/** One key of the user; 404 when the user has no such key (another user's key included). */
export async function findUserApiKey(deps: KeyDeps, accountId: string, clientId: string): Promise<UserApiKey> {
  await loadAccount(deps, accountId);
  const key = await deps.apiKeys.find(accountId, clientId);
  if (!key) throw adminErrors.notFound(`API key ${clientId} of user ${accountId}`);
  return { ...key, expired: key.expiresAt.getTime() <= deps.clock().getTime() };
}

const revokerOf = (actor: Actor): Revoker => (actor.kind === 'account' ? { admin: actor.id } : actor.kind === 'client' ? { adminClient: actor.id } : { cli: true });

/**
 * Revokes one of the user's keys: the key, its secrets and grants go, and every token it
 * holds ends (clients/api-keys.ts); the audit event names the admin. 404 for a key that
 * is not this user's, or was revoked meanwhile.
 */
export async function revokeUserApiKey(deps: KeyDeps, actor: Actor, accountId: string, clientId: string, origin: { ip?: string } = {}): Promise<void> {
  await findUserApiKey(deps, accountId, clientId);
  // The owner of a key never changes, so the check above still holds; a concurrent revoke makes this false.
  if (!(await revokeApiKey(deps.apiKeys, clientId, revokerOf(actor), origin))) throw adminErrors.notFound(`API key ${clientId} of user ${accountId}`);
}
