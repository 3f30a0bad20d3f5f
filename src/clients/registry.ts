import { revokeByClient } from '../adapters/revoke-by-client.js';
import { createAuditLog } from '../audit/audit-log.js';
import { systemClock, type Clock } from '../common/clock.js';
import { randomId } from '../common/random-id.js';
import type { Db } from '../storage/db.js';
import { ClientInputError } from './client-input-error.js';
import { updateClient, type ClientChange } from './client-update.js';
import { createClientResourcesRepo, type ResourceGrant } from './client-resources-repo.js';
import { newClient, OIDC_SCOPES, registeredClient, usesSecret, validateClientInput, type ClientInput, type ClientMetadata } from './metadata.js';
import { createClientsRepository } from './repository.js';
import { createResourcesRepo, type Resource } from './resources-repo.js';
import { hashSecret, newSecret, newSecretId, rotation } from './secrets.js';

export interface CreatedClient {
  clientId: string;
  /** Shown once: only its hash is kept. */
  clientSecret: string | undefined;
  secretId: string | undefined;
  metadata: ClientMetadata;
}

/** A grant names a registered resource and at least one of its scopes. */
function checkGrant(resource: Resource | undefined, grant: ResourceGrant): ResourceGrant {
  if (!resource) throw new ClientInputError(`no resource ${grant.indicator} is registered`);
  const scopes = [...new Set(grant.scopes)];
  if (!scopes.length) throw new ClientInputError(`grant at least one scope of ${grant.indicator}`);
  const unknown = scopes.find((s) => !resource.scopes.includes(s));
  if (unknown) throw new ClientInputError(`${unknown} is not a scope of ${grant.indicator} (it has ${resource.scopes.join(' ')})`);
  return { indicator: grant.indicator, scopes };
}

/** API scopes are granted per resource; `scope` holds the OpenID scopes only. */
function checkOidcScope(scope: string): void {
  const api = scope.split(/\s+/).find((s) => s && !OIDC_SCOPES.includes(s));
  if (api) throw new ClientInputError(`${api} is not an OpenID scope: grant API scopes together with their resource`);
}

/**
 * Registering and managing clients (CLI, admin, dynamic registration): validation and
 * metadata from metadata.ts, secrets from secrets.ts, rows through the repository.
 * Client ids are public; the clock decides expiry, overlap and revocation times.
 */
export function createClientRegistry(db: Db, options: { clock?: Clock; auditDetail?: Record<string, unknown> } = {}) {
  const clock = options.clock ?? systemClock;
  const repository = createClientsRepository(db);
  // Secrets are credentials: who got or lost one is an audit event (issue 9), never the
  // secret itself. `auditDetail` names who made the change (the admin service's actor).
  const audit = (tx: Db, type: string, clientId: string, detail?: Record<string, unknown>) => {
    const merged = detail || options.auditDetail ? { ...detail, ...options.auditDetail } : undefined;
    return createAuditLog(tx).record({ type, clientId, ...(merged ? { detail: merged } : {}) });
  };

  async function grantIn(tx: Db, clientId: string, grant: ResourceGrant): Promise<ResourceGrant> {
    const checked = checkGrant(await createResourcesRepo(tx).find(grant.indicator), grant);
    await createClientResourcesRepo(tx).upsert(clientId, checked);
    return checked;
  }

  return {
    loadForAuth: repository.loadForAuth,
    recordSecretsUsed: repository.recordSecretsUsed,
    list: repository.list,
    page: repository.page,
    count: repository.count,

    async create(input: ClientInput): Promise<CreatedClient> {
      validateClientInput(input);
      checkOidcScope(input.scope);
      const client = newClient(input, input.clientId ?? randomId());
      const secret = usesSecret(client.metadata.token_endpoint_auth_method) ? newSecret() : undefined;
      await db.transaction(async (tx) => {
        await createClientsRepository(tx).insert(client, secret && { id: secret.id, hash: secret.hash, expiresAt: input.secretExpiresAt ?? null });
        for (const grant of input.resources ?? []) await grantIn(tx, client.clientId, grant);
        await audit(tx, 'client.created', client.clientId);
        if (secret) await audit(tx, 'client_secret.created', client.clientId, { secretId: secret.id });
      });
      return { clientId: client.clientId, clientSecret: secret?.value, secretId: secret?.id, metadata: client.metadata };
    },

    /** A new secret (optionally expiring); the live ones keep working for `overlapSeconds` more, then stop. */
    async rotateSecret(clientId: string, overlapSeconds: number, expiresInSeconds?: number): Promise<{ secretId: string; clientSecret: string }> {
      const next = rotation(clock, overlapSeconds, expiresInSeconds);
      const stored = { id: next.secret.id, hash: next.secret.hash, createdAt: next.createdAt, expiresAt: next.expiresAt };
      await repository.rotateSecret(clientId, stored, next.overlapUntil, (metadata) => {
        if (!metadata) throw new ClientInputError(`no client with id ${clientId}`);
        if (!usesSecret(metadata.token_endpoint_auth_method)) throw new ClientInputError(`client ${clientId} does not use a client secret`);
      });
      await audit(db, 'client_secret.rotated', clientId, { secretId: next.secret.id, overlapSeconds });
      return { secretId: next.secret.id, clientSecret: next.secret.value };
    },

    /** The client with its secrets and the resources granted to it. */
    async show(clientId: string) {
      const shown = await repository.show(clientId);
      return shown && { ...shown, resources: await createClientResourcesRepo(db).list(clientId) };
    },

    /** Lets the client obtain tokens for the resource with these scopes (replacing earlier ones there). */
    async grantResource(clientId: string, grant: ResourceGrant): Promise<ResourceGrant> {
      return db.transaction(async (tx) => {
        const client = await createClientsRepository(tx).rowForUpdate(clientId);
        if (!client) throw new ClientInputError(`no client with id ${clientId}`);
        // A user's API key never holds more than users may delegate (clients/api-keys.ts).
        if (client.owner_account_id) {
          const delegable = (await createResourcesRepo(tx).find(grant.indicator))?.userDelegableScopes ?? [];
          const beyond = grant.scopes.find((s) => !delegable.includes(s));
          if (beyond) throw new ClientInputError(`${clientId} is an API key of account ${client.owner_account_id}: ${beyond} is not user-delegable on ${grant.indicator}`);
        }
        return grantIn(tx, clientId, grant);
      });
    },

    /** The client can no longer obtain tokens for the resource. */
    async revokeResource(clientId: string, indicator: string): Promise<boolean> {
      const removed = await createClientResourcesRepo(db).remove(clientId, indicator);
      if (removed && options.auditDetail) await audit(db, 'client.resource_revoked', clientId, { indicator });
      return removed;
    },

    async revokeSecret(clientId: string, secretId: string): Promise<boolean> {
      const revoked = await repository.revokeSecret(clientId, secretId, clock());
      if (revoked) await audit(db, 'client_secret.revoked', clientId, { secretId });
      return revoked;
    },

    async disable(clientId: string): Promise<boolean> {
      const disabled = await repository.disable(clientId, clock());
      if (disabled) await audit(db, 'client.disabled', clientId);
      return disabled;
    },

    async enable(clientId: string): Promise<boolean> {
      const enabled = await repository.enable(clientId);
      if (enabled && options.auditDetail) await audit(db, 'client.enabled', clientId);
      return enabled;
    },

    async update(clientId: string, change: ClientChange): Promise<boolean> {
      const updated = await updateClient(db, clientId, change);
      if (updated && options.auditDetail) await audit(db, 'client.updated', clientId, { fields: Object.keys(change) });
      return updated;
    },

    /** Deletes the client, its secrets, and every grant and refresh token issued to it. */
    async delete(clientId: string): Promise<boolean> {
      return db.transaction(async (tx) => {
        const deleted = await createClientsRepository(tx).delete(clientId);
        if (deleted) {
          await revokeByClient(tx, clientId);
          await audit(tx, 'client.deleted', clientId);
        }
        return deleted;
      });
    },

    /** Dynamic registration (RFC 7591): metadata from oidc-provider, secret stored hashed. */
    async register(metadata: ClientMetadata & { client_secret?: string }): Promise<void> {
      const { client, secret } = registeredClient(metadata);
      const secretId = secret ? newSecretId() : undefined;
      await db.transaction(async (tx) => {
        await createClientsRepository(tx).insert(client, secret && secretId ? { id: secretId, hash: hashSecret(secret), expiresAt: null } : undefined);
        await audit(tx, 'client.registered', client.clientId, secretId ? { secretId } : undefined);
      });
    },
  };
}

export type ClientRegistry = ReturnType<typeof createClientRegistry>;
