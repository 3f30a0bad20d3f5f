import type { Db } from '../storage/db.js';

/** An API (RFC 8707 resource) a client may obtain tokens for, and its scopes there. */
export interface ResourceGrant {
  indicator: string;
  scopes: string[];
}

/**
 * The `client_resources` table: which resources each client is granted, with which
 * scopes. Checking a grant against the resource is the registry's (clients/registry.ts);
 * the token endpoint reads grants with the client itself (repository.ts loadForAuth).
 */
export function createClientResourcesRepo(db: Db) {
  return {
    /** Grants `scopes` on the resource, replacing what the client had there. */
    async upsert(clientId: string, grant: ResourceGrant): Promise<void> {
      await db.query(
        `INSERT INTO client_resources (client_id, indicator, scopes) VALUES ($1, $2, $3)
         ON CONFLICT (client_id, indicator) DO UPDATE SET scopes = EXCLUDED.scopes`,
        [clientId, grant.indicator, grant.scopes],
      );
    },

    async remove(clientId: string, indicator: string): Promise<boolean> {
      const { rowCount } = await db.query('DELETE FROM client_resources WHERE client_id = $1 AND indicator = $2', [clientId, indicator]);
      return rowCount > 0;
    },

    async list(clientId: string): Promise<ResourceGrant[]> {
      const { rows } = await db.query<ResourceGrant>('SELECT indicator, scopes FROM client_resources WHERE client_id = $1 ORDER BY indicator', [clientId]);
      return rows;
    },
  };
}
