import { createResource, listResources, updateResource, viewResource } from '../../service/index.js';
import { route, type ApiRoute } from '../route-table.js';
import * as s from '../schemas.js';

/** /resources: the APIs clients get tokens for (RFC 8707), their scopes and token format. */
export const resourceRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/resources',
    operationId: 'listResources',
    summary: 'List the registered APIs',
    tag: 'Resources',
    scope: 'admin:resources:read',
    response: { status: 200, description: 'every registered API', schema: s.resourceList },
    handle: async ({ deps }) => ({ status: 200, body: { items: await listResources(deps) } }),
  }),
  route({
    method: 'post',
    path: '/resources',
    operationId: 'createResource',
    summary: 'Register an API: indicator, scopes and their descriptions, token format and lifetime',
    tag: 'Resources',
    scope: 'admin:resources:write',
    body: s.newResourceBody,
    response: { status: 201, description: 'the API', schema: s.resourceSchema },
    handle: async ({ deps, actor, body }) => ({ status: 201, body: await createResource(deps, actor, body) }),
  }),
  route({
    method: 'get',
    path: '/resources/{indicator}',
    operationId: 'getResource',
    summary: 'One API, by its URL-encoded indicator',
    tag: 'Resources',
    scope: 'admin:resources:read',
    params: s.indicatorParams,
    response: { status: 200, description: 'the API', schema: s.resourceSchema, etag: true },
    handle: async ({ deps, params }) => {
      const { etag, ...resource } = await viewResource(deps, params.indicator);
      return { status: 200, body: resource, etag };
    },
  }),
  route({
    method: 'patch',
    path: '/resources/{indicator}',
    operationId: 'updateResource',
    summary: 'Change an API: name, scopes, descriptions, token format, token lifetime',
    tag: 'Resources',
    scope: 'admin:resources:write',
    params: s.indicatorParams,
    body: s.resourcePatchBody,
    ifMatch: true,
    response: { status: 200, description: 'the API as changed', schema: s.resourceSchema, etag: true },
    handle: async ({ deps, actor, params, body, ifMatch }) => {
      await updateResource(deps, actor, params.indicator, body, { ifMatch });
      const { etag, ...resource } = await viewResource(deps, params.indicator);
      return { status: 200, body: resource, etag };
    },
  }),
];
