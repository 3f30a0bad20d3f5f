import { AppError } from '../common/errors.js';
import type { Db } from '../storage/db.js';
import { onUniqueViolation } from '../storage/unique-violation.js';

export interface Resource {
  indicator: string;
  name: string;
  scopes: string[];
  /** What each scope allows, in words for the consent page (scope → text). */
  scopeDescriptions: Record<string, string>;
  tokenFormat: 'jwt' | 'opaque';
  accessTokenTtl: number;
  /** The scopes users may put on their own API keys (clients/api-keys.ts); empty: none. */
  userDelegableScopes: string[];
  createdAt: Date;
}

interface ResourceRow {
  indicator: string;
  name: string;
  scopes: string[];
  scope_descriptions: Record<string, string>;
  token_format: 'jwt' | 'opaque';
  access_token_ttl: number;
  user_delegable_scopes: string[];
  created_at: Date;
}

export class ResourceInputError extends AppError {
  constructor(message: string) {
    super('resource.invalid', message);
  }
}

const toResource = (r: ResourceRow): Resource => ({
  indicator: r.indicator,
  name: r.name,
  scopes: r.scopes,
  scopeDescriptions: r.scope_descriptions,
  tokenFormat: r.token_format,
  accessTokenTtl: r.access_token_ttl,
  userDelegableScopes: r.user_delegable_scopes,
  createdAt: r.created_at,
});

const COLUMNS = 'indicator, name, scopes, scope_descriptions, token_format, access_token_ttl, user_delegable_scopes, created_at';

function checkDelegable(indicator: string, scopes: string[], delegable: string[]): string[] {
  // The admin API's scopes (clients/admin-resource.ts) are the operator's: a user's key never holds one.
  if (delegable.some((s) => s.startsWith('admin:'))) throw new ResourceInputError('admin API scopes cannot be delegated to users');
  const unknown = delegable.find((s) => !scopes.includes(s));
  if (unknown) throw new ResourceInputError(`${unknown} is not a scope of ${indicator}, so users cannot delegate it`);
  return [...new Set(delegable)];
}

export interface ResourceInput {
  indicator: string;
  name?: string;
  scopes: string[];
  scopeDescriptions?: Record<string, string>;
  tokenFormat?: 'jwt' | 'opaque';
  accessTokenTtl?: number;
  /** Scopes users may put on their own API keys (clients/api-keys.ts); none unless named. */
  userDelegableScopes?: string[];
}

/** RFC 8707 resource indicators: absolute URIs without a fragment; scopes RFC 6749 §3.3 tokens. */
function checkResource(input: ResourceInput): URL {
  let url: URL;
  try {
    url = new URL(input.indicator);
  } catch {
    throw new ResourceInputError(`${input.indicator} is not an absolute URI (RFC 8707 §2)`);
  }
  if (url.hash) throw new ResourceInputError(`${input.indicator} must not have a fragment (RFC 8707 §2)`);
  if (!input.scopes.length) throw new ResourceInputError('a resource needs at least one scope');
  const bad = input.scopes.find((s) => !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s));
  if (bad) throw new ResourceInputError(`${bad} is not a valid scope token (RFC 6749 §3.3)`);
  const described = Object.keys(input.scopeDescriptions ?? {}).find((s) => !input.scopes.includes(s));
  if (described) throw new ResourceInputError(`${described} has a description but is not a scope of ${input.indicator}`);
  return url;
}

export function createResourcesRepo(db: Db) {
  return {
    async create(input: ResourceInput): Promise<Resource> {
      const url = checkResource(input);
      const delegable = checkDelegable(input.indicator, input.scopes, input.userDelegableScopes ?? []);
      const { rows } = await onUniqueViolation(
        () =>
          db.query<ResourceRow>(
            `INSERT INTO resources (indicator, name, scopes, scope_descriptions, token_format, access_token_ttl, user_delegable_scopes)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
            [input.indicator, input.name ?? url.host, input.scopes, JSON.stringify(input.scopeDescriptions ?? {}), input.tokenFormat ?? 'jwt', input.accessTokenTtl ?? 600, delegable],
          ),
        () => new ResourceInputError(`${input.indicator} is already registered`),
      );
      return toResource(rows[0]!);
    },

    /**
     * Replaces what a resource says (name, scopes, descriptions, token format, lifetime)
     * under the same checks as creating it; undefined: no such resource. A client's grant
     * of a scope that is gone grants nothing (the provider intersects the two), and a
     * running Latchkey sees the change once its cache expires (LATCHKEY_CLIENT_CACHE_SECONDS).
     */
    async update(input: Required<Omit<ResourceInput, 'name' | 'userDelegableScopes'>> & { name: string }): Promise<Resource | undefined> {
      checkResource(input);
      // A scope that is gone cannot stay delegable: users' keys stop getting it at once.
      const { rows } = await db.query<ResourceRow>(
        `UPDATE resources SET name = $2, scopes = $3, scope_descriptions = $4, token_format = $5, access_token_ttl = $6,
           user_delegable_scopes = ARRAY(SELECT s FROM unnest(user_delegable_scopes) AS s WHERE s = ANY($3::text[]))
         WHERE indicator = $1
         RETURNING ${COLUMNS}`,
        [input.indicator, input.name, input.scopes, JSON.stringify(input.scopeDescriptions), input.tokenFormat, input.accessTokenTtl],
      );
      return rows[0] && toResource(rows[0]);
    },

    /** Creates or overwrites a resource Latchkey defines itself (its own admin API). */
    async upsertBuiltIn(input: Required<Omit<ResourceInput, 'userDelegableScopes'>>): Promise<void> {
      checkResource(input);
      // Run at every start: a row that is already so is left alone (no new row version, no
      // WAL to flush), so a restart writes nothing unless an upgrade changed the definition.
      await db.query(
        `INSERT INTO resources (indicator, name, scopes, scope_descriptions, token_format, access_token_ttl) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (indicator) DO UPDATE SET name = EXCLUDED.name, scopes = EXCLUDED.scopes, scope_descriptions = EXCLUDED.scope_descriptions,
           token_format = EXCLUDED.token_format, access_token_ttl = EXCLUDED.access_token_ttl, user_delegable_scopes = '{}'
         WHERE (resources.name, resources.scopes, resources.scope_descriptions, resources.token_format, resources.access_token_ttl, resources.user_delegable_scopes)
           IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.scopes, EXCLUDED.scope_descriptions, EXCLUDED.token_format, EXCLUDED.access_token_ttl, '{}'::text[])`,
        [input.indicator, input.name, input.scopes, JSON.stringify(input.scopeDescriptions), input.tokenFormat, input.accessTokenTtl],
      );
    },

    async find(indicator: string): Promise<Resource | undefined> {
      const { rows } = await db.query<ResourceRow>(
        `SELECT ${COLUMNS} FROM resources WHERE indicator = $1`,
        [indicator],
      );
      return rows[0] && toResource(rows[0]);
    },

    /**
     * Which of its scopes users may put on their own API keys (replacing the earlier
     * choice; [] for none). Keys that hold a scope taken away here stop getting it at
     * once: the token endpoint checks the current set (provider/create-provider.ts).
     */
    async setUserDelegable(indicator: string, scopes: string[]): Promise<Resource | undefined> {
      const { rows: found } = await db.query<{ scopes: string[] }>('SELECT scopes FROM resources WHERE indicator = $1', [indicator]);
      if (!found[0]) return undefined;
      const delegable = checkDelegable(indicator, found[0].scopes, scopes);
      const { rows } = await db.query<ResourceRow>(`UPDATE resources SET user_delegable_scopes = $2 WHERE indicator = $1 RETURNING ${COLUMNS}`, [indicator, delegable]);
      return rows[0] && toResource(rows[0]);
    },

    async list(): Promise<Resource[]> {
      const { rows } = await db.query<ResourceRow>(`SELECT ${COLUMNS} FROM resources ORDER BY indicator`);
      return rows.map(toResource);
    },
  };
}

export type ResourcesRepo = ReturnType<typeof createResourcesRepo>;
