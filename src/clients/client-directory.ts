import { ttlCache } from '../common/ttl-cache.js';
import { clientUsable, engineMetadata, type ClientMetadata } from './metadata.js';
import type { ClientsRepository } from './repository.js';
import type { Resource, ResourcesRepo } from './resources-repo.js';
import { matchSecret } from './secrets.js';

/**
 * How oidc-provider sees clients and resources: one query per client (metadata and
 * secret hashes together) and per resource, kept for `ttlSeconds` so a busy token
 * endpoint does not read the same rows for every request. A disable, expiry, rotation
 * or revocation made by another process takes effect within that time (0 = always read).
 */
export function createClientDirectory(clients: Pick<ClientsRepository, 'loadForAuth'>, resources: ResourcesRepo, options: { ttlSeconds: number }) {
  const client = ttlCache((id) => clients.loadForAuth(id), options.ttlSeconds);
  const resource = ttlCache((indicator) => resources.find(indicator), options.ttlSeconds);

  // One metadata object per cached row: the engine keeps the client it builds from it
  // (oidc-internals/client-instances.ts), so a hot client is validated once per row read.
  const shaped = new WeakMap<object, ClientMetadata>();

  // `then` on the cached lookup rather than async functions: both run on every token
  // request, and each promise costs the engine's AsyncLocalStorage hooks.
  return {
    metadata(clientId: string, now: Date): Promise<ClientMetadata | undefined> {
      return client(clientId).then((record) => {
        if (!record || !clientUsable(record.row, now)) return undefined;
        let metadata = shaped.get(record);
        if (!metadata) shaped.set(record, (metadata = Object.freeze(engineMetadata(record.row))));
        return metadata;
      });
    },
    verifySecret(clientId: string, secret: string, now: Date): Promise<string | undefined> {
      return client(clientId).then((record) => (record ? matchSecret(record.secrets, secret, now) : undefined));
    },
    resource(indicator: string): Promise<Resource | undefined> {
      return resource(indicator);
    },
  };
}

export type ClientDirectory = ReturnType<typeof createClientDirectory>;
