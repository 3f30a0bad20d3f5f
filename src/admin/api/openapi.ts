import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ADMIN_SCOPES } from '../../clients/admin-resource.js';
import type { ApiRoute } from './route-table.js';
import { problemSchema } from './schemas.js';

// The failures every route can answer with (RFC 9457 problem details).
const PROBLEMS: Record<number, string> = {
  400: 'the request does not validate (errors lists each issue)',
  401: 'no access token, or one that is not valid for the admin API (see WWW-Authenticate)',
  403: "the token lacks the scope this route needs (insufficient_scope), or the change would grant an admin scope the caller's token lacks (scope_escalation)",
  404: 'no such user, client, resource or secret',
  409: 'conflicts with the current state (already so, reserved, or acting on yourself)',
  429: 'over the per-client rate limit (see Retry-After)',
};
const PRECONDITIONS: Record<number, string> = {
  412: 'If-Match does not match the current ETag: read again, then retry',
  428: 'If-Match is required for this change',
};

/**
 * The OpenAPI 3.1 document, built from the same route table and zod schemas that mount.ts
 * serves and validates with, so a route cannot be served undocumented or documented
 * unserved (test/e2e/admin-api checks both ways).
 */
export function openApiDocument(routes: readonly ApiRoute[], options: { issuer: string; tokenUrl: string; basePath: string }) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'adminToken', {
    type: 'oauth2',
    description: 'An access token for the admin API resource (client credentials, `resource=<issuer>/admin/api`).',
    flows: { clientCredentials: { tokenUrl: options.tokenUrl, scopes: Object.fromEntries(ADMIN_SCOPES.map((s) => [s, s])) } },
  });
  const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: problemSchema } } });
  for (const r of routes) {
    const errors = { ...PROBLEMS, ...(r.ifMatch ? PRECONDITIONS : {}) };
    registry.registerPath({
      method: r.method,
      path: r.path,
      operationId: r.operationId,
      summary: r.summary,
      tags: [r.tag],
      security: [{ adminToken: [r.scope] }],
      request: {
        ...(r.params ? { params: r.params as z.ZodObject } : {}),
        ...(r.query ? { query: r.query as z.ZodObject } : {}),
        ...(r.body ? { body: { required: true, content: { 'application/json': { schema: r.body } } } } : {}),
        ...(r.ifMatch ? { headers: z.object({ 'If-Match': z.string().describe('the ETag of the representation the change is based on') }) } : {}),
      },
      responses: {
        [r.response.status]: {
          description: r.response.description,
          ...(r.response.etag ? { headers: { ETag: { description: 'the representation version, for If-Match', schema: { type: 'string' } } } } : {}),
          ...(r.response.schema ? { content: { [r.response.contentType ?? 'application/json']: { schema: r.response.schema } } } : {}),
        },
        ...Object.fromEntries(Object.entries(errors).map(([status, description]) => [status, problem(description)])),
      },
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Latchkey admin API',
      version: '1',
      description: `Users, clients, resources and the audit log of ${options.issuer}. Authorise with a client-credentials access token for the resource ${options.issuer}/admin/api.`,
    },
    servers: [{ url: `${options.issuer}${options.basePath}` }],
  });
}
