import { randomBytes } from 'node:crypto';
import { revokeByClient } from '../adapters/revoke-by-client.js';
import { createAuditLog, type AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../common/clock.js';
import { AppError } from '../common/errors.js';
import type { Db } from '../storage/db.js';
import { createApiKeysRepo, type ApiKey } from './api-keys-repo.js';
import { createClientResourcesRepo, type ResourceGrant } from './client-resources-repo.js';
import { ClientInputError } from './client-input-error.js';
import { newClient, validateClientInput } from './metadata.js';
import { createClientsRepository } from './repository.js';
import { createResourcesRepo, type Resource } from './resources-repo.js';
import { newSecret, rotation } from './secrets.js';

export type { ApiKey } from './api-keys-repo.js';

/** The operator's limits (LATCHKEY_API_KEY_MAX_DAYS, LATCHKEY_API_KEYS_PER_ACCOUNT). */
export interface ApiKeyPolicy {
  maxDays: number;
  perAccount: number;
}

export type ApiKeyField = 'name' | 'scopes' | 'expires';

/** Input the owner can correct, naming the field it is about (the page marks that field). */
export class ApiKeyInputError extends AppError {
  constructor(readonly field: ApiKeyField | undefined, message: string) {
    super('api_key.invalid', message, { status: 400 });
  }
}

/**
 * Who revokes a key: its owner on the account page, or an admin: an admin account (the
 * console, `admin`), an automation client holding admin:users:write (the admin API,
 * `adminClient`), or the operator at the command line (`cli`).
 */
export type Revoker = { accountId: string } | { admin: string } | { adminClient: string } | { cli: true };

/** The audit detail naming who revoked: 'owner', or which admin. */
function revokedBy(by: Revoker): string | Record<string, string> {
  if ('accountId' in by) return 'owner';
  if ('admin' in by) return { admin: by.admin };
  if ('adminClient' in by) return { adminClient: by.adminClient };
  return { admin: 'cli' };
}

/** An API that users may delegate, with the scopes they may choose there. */
export interface DelegableResource {
  indicator: string;
  name: string;
  scopes: Array<{ scope: string; description: string | undefined }>;
}

const DAY_MS = 24 * 3600 * 1000;
const NAME_MAX = 64;

function checkName(raw: string): string {
  const name = raw.normalize('NFC').trim();
  if (!name) throw new ApiKeyInputError('name', 'Give the key a name, so you can tell it apart later.');
  if ([...name].length > NAME_MAX) throw new ApiKeyInputError('name', `Use at most ${NAME_MAX} characters for the name.`);
  if (/[\p{Cc}\p{Cf}]/u.test(name)) throw new ApiKeyInputError('name', 'Use letters, digits, spaces and punctuation only in the name.');
  return name;
}

/** Grants may name only scopes the operator lets users delegate, on registered APIs. */
function checkGrants(grants: ResourceGrant[], resources: Map<string, Resource>): ResourceGrant[] {
  const merged = new Map<string, Set<string>>();
  for (const grant of grants) {
    const delegable = resources.get(grant.indicator)?.userDelegableScopes ?? [];
    for (const scope of grant.scopes) {
      if (!delegable.includes(scope)) throw new ApiKeyInputError('scopes', 'Choose only from the permissions listed.');
      merged.set(grant.indicator, (merged.get(grant.indicator) ?? new Set()).add(scope));
    }
  }
  if (!merged.size) throw new ApiKeyInputError('scopes', 'Choose at least one permission for the key.');
  return [...merged].map(([indicator, scopes]) => ({ indicator, scopes: [...scopes] }));
}

/**
 * Self-service API keys (issue 12): each is a client-credentials client owned by an
 * account (clients.owner_account_id), with one secret shown once, resource grants from
 * the delegable scopes only, and a required end date within the policy. Its tokens name
 * the owner (provider/api-key-claims.ts); while the owner is disabled the key is unknown
 * to the token endpoint, and deleting the owner deletes it (migration 017).
 */
export function createApiKeys(db: Db, options: { clock: Clock; policy: ApiKeyPolicy; audit?: AuditLog }) {
  const { clock, policy } = options;
  const repo = createApiKeysRepo(db);
  const audit = (tx: Db) => (tx === db && options.audit ? options.audit : createAuditLog(tx));

  async function delegable(): Promise<DelegableResource[]> {
    return (await createResourcesRepo(db).list())
      .map((r) => ({
        indicator: r.indicator,
        name: r.name,
        scopes: r.scopes.filter((s) => r.userDelegableScopes.includes(s)).map((scope) => ({ scope, description: r.scopeDescriptions[scope] })),
      }))
      .filter((r) => r.scopes.length);
  }

  /** The latest end date a new key may have (the page's date picker says it too). */
  function latestExpiry(): Date {
    return new Date(clock().getTime() + policy.maxDays * DAY_MS);
  }

  function checkExpiry(expiresAt: Date | undefined): Date {
    if (!expiresAt || Number.isNaN(expiresAt.getTime())) throw new ApiKeyInputError('expires', 'Choose the date the key stops working.');
    if (expiresAt <= clock()) throw new ApiKeyInputError('expires', 'Choose a date in the future.');
    if (expiresAt > latestExpiry()) throw new ApiKeyInputError('expires', `A key can live at most ${policy.maxDays} days: choose an earlier date.`);
    return expiresAt;
  }

  return {
    policy,
    delegable,
    latestExpiry,
    list: (ownerId: string): Promise<ApiKey[]> => repo.ofOwner(ownerId),
    find: (ownerId: string, clientId: string): Promise<ApiKey | undefined> => repo.owned(ownerId, clientId),

    /** A new key for `ownerId`; the secret is in the answer only. */
    async create(ownerId: string, input: { name: string; grants: ResourceGrant[]; expiresAt: Date | undefined }, origin: { ip?: string } = {}) {
      const name = checkName(input.name);
      const resources = new Map((await createResourcesRepo(db).list()).map((r) => [r.indicator, r]));
      const grants = checkGrants(input.grants, resources);
      const expiresAt = checkExpiry(input.expiresAt);
      const clientInput = { name, redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'], scope: '', public: false, thirdParty: false, expiresAt };
      try {
        validateClientInput(clientInput);
      } catch (err) {
        if (err instanceof ClientInputError) throw new ApiKeyInputError('name', 'That name is reserved: choose another.');
        throw err;
      }
      const client = { ...newClient(clientInput, randomBytes(16).toString('base64url')), ownerAccountId: ownerId };
      const secret = newSecret();
      await db.transaction(async (tx) => {
        const count = await createApiKeysRepo(tx).lockOwner(ownerId);
        if (count === undefined) throw new AppError('api_key.owner_unknown', 'No such account.', { status: 404 });
        if (count >= policy.perAccount) {
          throw new ApiKeyInputError(undefined, `You have ${count} API keys, the most an account may have. Revoke one you no longer use first.`);
        }
        await createClientsRepository(tx).insert(client, { id: secret.id, hash: secret.hash, expiresAt: null });
        for (const grant of grants) await createClientResourcesRepo(tx).upsert(client.clientId, grant);
        await audit(tx).record({
          type: 'api_key.created',
          accountId: ownerId,
          clientId: client.clientId,
          ip: origin.ip,
          detail: { name, grants, expiresAt: expiresAt.toISOString(), secretId: secret.id },
        });
      });
      return { clientId: client.clientId, clientSecret: secret.value, name, grants, expiresAt };
    },

    /**
     * A new secret for the owner's key; the old ones stop now, or after `overlapSeconds`
     * (so a deployment can switch). Undefined: no such key of this owner.
     */
    async rotate(ownerId: string, clientId: string, overlapSeconds: number, origin: { ip?: string } = {}) {
      if (!(await repo.owned(ownerId, clientId))) return undefined;
      const next = rotation(clock, overlapSeconds);
      await createClientsRepository(db).rotateSecret(
        clientId,
        { id: next.secret.id, hash: next.secret.hash, createdAt: next.createdAt, expiresAt: null },
        next.overlapUntil,
        (metadata) => {
          // Revoked between the look-up and the lock: nothing to rotate.
          if (!metadata) throw new AppError('api_key.not_found', 'That API key does not exist any more (or is not yours).', { status: 404 });
        },
      );
      // Each rotation leaves a dead row behind; a key keeps only its live secrets.
      await repo.pruneSecrets(clientId, next.createdAt);
      await audit(db).record({ type: 'api_key.rotated', accountId: ownerId, clientId, ip: origin.ip, detail: { secretId: next.secret.id, overlapSeconds } });
      return { clientId, clientSecret: next.secret.value };
    },

    /**
     * revokeApiKey: deletes the key, its secrets and grants. An owner can revoke only its
     * own keys (another account's id is "not found"); an admin any key. False: no such key.
     */
    async revoke(clientId: string, by: Revoker, origin: { ip?: string } = {}): Promise<boolean> {
      return db.transaction(async (tx) => {
        const gone = await createApiKeysRepo(tx).delete(clientId, 'accountId' in by ? by.accountId : undefined);
        if (!gone) return false;
        await revokeByClient(tx, clientId);
        await audit(tx).record({
          type: 'api_key.revoked',
          accountId: gone.ownerAccountId,
          clientId,
          ip: origin.ip,
          detail: { name: gone.name, by: revokedBy(by) },
        });
        return true;
      });
    },

    /**
     * listApiKeys: every key (or one owner's), oldest first, `limit` at a time; pass the
     * returned cursor for the next page (undefined: the last page).
     */
    async page(filter: { ownerId?: string; cursor?: string; limit?: number } = {}): Promise<{ items: ApiKey[]; nextCursor: string | undefined }> {
      const limit = Math.min(Math.max(filter.limit ?? 50, 1), 200);
      const after = filter.cursor ? decodeCursor(filter.cursor) : undefined;
      const items = await repo.page({ ...(filter.ownerId ? { ownerId: filter.ownerId } : {}), ...(after ? { after } : {}), limit });
      const last = items.length === limit ? items[items.length - 1] : undefined;
      return { items, nextCursor: last && encodeCursor(last) };
    },
  };
}

export type ApiKeys = ReturnType<typeof createApiKeys>;

const encodeCursor = (k: ApiKey) => Buffer.from(JSON.stringify([k.createdAt.toISOString(), k.clientId])).toString('base64url');

function decodeCursor(cursor: string): { createdAt: Date; clientId: string } {
  try {
    const [at, clientId] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    const createdAt = new Date(String(at));
    if (typeof clientId === 'string' && !Number.isNaN(createdAt.getTime())) return { createdAt, clientId };
  } catch {
    // fall through: a cursor that is not ours
  }
  throw new AppError('api_key.bad_cursor', 'The cursor is not one this list gave out.', { status: 400 });
}

/** For the admin API and console: list and revoke keys without the page's policy. */
export function listApiKeys(apiKeys: ApiKeys, owner: string | 'all', cursor?: string, limit?: number) {
  return apiKeys.page({ ...(owner === 'all' ? {} : { ownerId: owner }), ...(cursor ? { cursor } : {}), ...(limit ? { limit } : {}) });
}

export function revokeApiKey(apiKeys: ApiKeys, clientId: string, by: Revoker, origin: { ip?: string } = {}): Promise<boolean> {
  return apiKeys.revoke(clientId, by, origin);
}
