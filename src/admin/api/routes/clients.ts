import { adminGrant, createClient, deleteClient, editClient, listClients, revokeClientSecret, rotateClientSecret, viewClient, type AdminDeps } from '../../service/index.js';
import { checkAdminGrants, checkClientTarget } from '../escalation.js';
import { route, type ApiRoute } from '../route-table.js';
import * as s from '../schemas.js';

const shown = async (deps: AdminDeps, clientId: string) => {
  const { etag, ...client } = await viewClient(deps, clientId);
  return { status: 200 as const, body: client, etag };
};

/** /clients: list, create (web or machine), view, change, disable, delete, secrets. */
export const clientRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/clients',
    operationId: 'listClients',
    summary: 'List clients by name',
    tag: 'Clients',
    scope: 'admin:clients:read',
    query: s.pageQuery,
    response: { status: 200, description: 'a page of clients', schema: s.pageOf(s.clientSummary, 'ClientPage') },
    handle: async ({ deps, query }) => ({ status: 200, body: await listClients(deps, query) }),
  }),
  route({
    method: 'post',
    path: '/clients',
    operationId: 'createClient',
    summary: 'Register a web app or machine client; the secret is shown once',
    tag: 'Clients',
    scope: 'admin:clients:write',
    body: s.newClientBody,
    response: { status: 201, description: 'the client, with its secret (only now)', schema: s.createdClient },
    handle: async ({ deps, actor, scopes: held, body }) => {
      const now = deps.clock().getTime();
      const { adminScopes, expiresInSeconds, secretExpiresInSeconds, ...input } = body;
      const scope = (input.scope ?? (input.grantTypes.includes('authorization_code') ? 'openid email profile offline_access' : '')).split(/\s+/).filter(Boolean).join(' ');
      const resources = adminScopes?.length ? [...input.resources, adminGrant(deps.config.issuer, adminScopes.join(' '))] : input.resources;
      checkAdminGrants(deps, held, resources);
      const created = await createClient(deps, actor, {
        ...input,
        scope,
        resources,
        ...(expiresInSeconds ? { expiresAt: new Date(now + expiresInSeconds * 1000) } : {}),
        ...(secretExpiresInSeconds ? { secretExpiresAt: new Date(now + secretExpiresInSeconds * 1000) } : {}),
      });
      const { etag: _etag, ...client } = await viewClient(deps, created.clientId);
      return {
        status: 201,
        body: { clientId: created.clientId, ...(created.clientSecret ? { clientSecret: created.clientSecret, secretId: created.secretId } : {}), client },
      };
    },
  }),
  route({
    method: 'get',
    path: '/clients/{clientId}',
    operationId: 'getClient',
    summary: 'A client: metadata, granted resources, secrets (never their values), last use',
    tag: 'Clients',
    scope: 'admin:clients:read',
    params: s.clientIdParams,
    response: { status: 200, description: 'the client', schema: s.clientView, etag: true },
    handle: async ({ deps, params }) => shown(deps, params.clientId),
  }),
  route({
    method: 'patch',
    path: '/clients/{clientId}',
    operationId: 'updateClient',
    summary: 'Change a client: name, redirect URIs, scopes, granted resources; disable or enable',
    tag: 'Clients',
    scope: 'admin:clients:write',
    params: s.clientIdParams,
    body: s.clientPatchBody,
    ifMatch: true,
    response: { status: 200, description: 'the client as changed', schema: s.clientView, etag: true },
    handle: async ({ deps, actor, scopes: held, params, body, ifMatch }) => {
      await checkClientTarget(deps, held, params.clientId);
      checkAdminGrants(deps, held, body.resources);
      await editClient(deps, actor, params.clientId, body, { ifMatch });
      return shown(deps, params.clientId);
    },
  }),
  route({
    method: 'delete',
    path: '/clients/{clientId}',
    operationId: 'deleteClient',
    summary: 'Delete a client and revoke its grants and refresh tokens',
    tag: 'Clients',
    scope: 'admin:clients:write',
    params: s.clientIdParams,
    ifMatch: true,
    response: { status: 204, description: 'deleted' },
    handle: async ({ deps, actor, scopes: held, params, ifMatch }) => {
      await checkClientTarget(deps, held, params.clientId);
      await deleteClient(deps, actor, params.clientId, { ifMatch });
      return { status: 204 };
    },
  }),
  route({
    method: 'post',
    path: '/clients/{clientId}/secrets',
    operationId: 'rotateClientSecret',
    summary: 'Issue a new secret; the current ones keep working for the overlap, then stop',
    tag: 'Clients',
    scope: 'admin:clients:write',
    params: s.clientIdParams,
    body: s.rotateBody,
    response: { status: 201, description: 'the new secret, shown once', schema: s.newSecret },
    handle: async ({ deps, actor, scopes: held, params, body }) => {
      await checkClientTarget(deps, held, params.clientId);
      return { status: 201, body: await rotateClientSecret(deps, actor, params.clientId, body) };
    },
  }),
  route({
    method: 'delete',
    path: '/clients/{clientId}/secrets/{secretId}',
    operationId: 'revokeClientSecret',
    summary: 'Revoke one secret now',
    tag: 'Clients',
    scope: 'admin:clients:write',
    params: s.secretParams,
    response: { status: 204, description: 'revoked' },
    handle: async ({ deps, actor, scopes: held, params }) => {
      await checkClientTarget(deps, held, params.clientId);
      await revokeClientSecret(deps, actor, params.clientId, params.secretId);
      return { status: 204 };
    },
  }),
];
