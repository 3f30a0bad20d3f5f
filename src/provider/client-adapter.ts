import type { Adapter } from 'oidc-provider';
import type { ClientsRepo } from '../clients/clients-repo.js';

/** oidc-provider reads clients from Latchkey's own table; it never writes them. */
export function createClientAdapter(clients: ClientsRepo): Adapter {
  const readOnly = async () => {
    throw new Error('clients are managed by the latchkey CLI, not by oidc-provider');
  };
  return {
    find: (id) => clients.findForProvider(id),
    upsert: readOnly,
    destroy: readOnly,
    consume: readOnly,
    revokeByGrantId: readOnly,
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
  };
}
