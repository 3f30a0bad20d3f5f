import type { Adapter } from 'oidc-provider';
import type { ClientMetadata } from '../clients/metadata.js';
import type { ClientDirectory } from '../clients/client-directory.js';
import type { ClientRegistry } from '../clients/registry.js';

/**
 * oidc-provider reads clients from Latchkey's own tables. The only write it makes is
 * dynamic registration (RFC 7591), whose secret is stored hashed like any other.
 */
export function createClientAdapter(clients: Pick<ClientRegistry, 'register'>, directory: ClientDirectory, clock: () => Date): Adapter {
  const unsupported = async () => {
    throw new Error('clients are managed by the latchkey CLI');
  };
  return {
    find: (id) => directory.metadata(id, clock()),
    upsert: async (_id, payload) => clients.register(payload as ClientMetadata),
    destroy: unsupported,
    consume: unsupported,
    revokeByGrantId: unsupported,
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
  };
}
