import { createUser, etagOf, listUserApiKeys, removeUserPasskey, revokeUserApiKey, searchUsers, sendPasswordReset, signOutEverywhere, unlockUser, updateUser, userCore, viewUser } from '../../service/index.js';
import { guardUserWrites } from '../escalation.js';
import { route, type ApiRoute } from '../route-table.js';
import * as k from '../api-key-schemas.js';
import * as s from '../schemas.js';

/** /users: search, view, create or invite, change (name, disabled, admin), unlock, sign out, passkeys, reset mail, API keys. */
export const userRoutes: ApiRoute[] = guardUserWrites([
  route({
    method: 'get',
    path: '/users',
    operationId: 'searchUsers',
    summary: 'Search users by email address or name',
    tag: 'Users',
    scope: 'admin:users:read',
    query: s.userSearchQuery,
    response: { status: 200, description: 'a page of users, by email address', schema: s.pageOf(s.userSummary, 'UserPage') },
    handle: async ({ deps, query }) => ({ status: 200, body: await searchUsers(deps, { query: query.q, cursor: query.cursor, limit: query.limit }) }),
  }),
  route({
    method: 'post',
    path: '/users',
    operationId: 'createUser',
    summary: 'Create a user with a password, or invite one by mail',
    tag: 'Users',
    scope: 'admin:users:write',
    body: s.newUserBody,
    response: { status: 201, description: 'the user (and the invitation link, when invited)', schema: s.createdUser },
    handle: async ({ deps, actor, body }) => {
      const { account, inviteUrl } = await createUser(deps, actor, body);
      return { status: 201, body: { user: userCore(account), ...(inviteUrl ? { inviteUrl } : {}) } };
    },
  }),
  route({
    method: 'get',
    path: '/users/{id}',
    operationId: 'getUser',
    summary: 'A user: status, passkeys, sessions, lock, last sign-in, recent audit events',
    tag: 'Users',
    scope: 'admin:users:read',
    params: s.userIdParams,
    response: { status: 200, description: 'the user; the ETag covers the user object', schema: s.userView, etag: true },
    handle: async ({ deps, params }) => {
      const { etag, ...view } = await viewUser(deps, params.id);
      return { status: 200, body: view, etag };
    },
  }),
  route({
    method: 'patch',
    path: '/users/{id}',
    operationId: 'updateUser',
    summary: 'Rename, disable or enable a user, grant or revoke the admin role',
    tag: 'Users',
    scope: 'admin:users:write',
    params: s.userIdParams,
    body: s.userPatchBody,
    ifMatch: true,
    response: { status: 200, description: 'the user as changed; disabling ended every session, grant and token', schema: s.userCore, etag: true },
    handle: async ({ deps, actor, params, body, ifMatch }) => {
      const user = userCore(await updateUser(deps, actor, params.id, body, { ifMatch }));
      return { status: 200, body: user, etag: etagOf(user) };
    },
  }),
  route({
    method: 'post',
    path: '/users/{id}/unlock',
    operationId: 'unlockUser',
    summary: 'Lift the password lockout of a user',
    tag: 'Users',
    scope: 'admin:users:write',
    params: s.userIdParams,
    response: { status: 204, description: 'unlocked' },
    handle: async ({ deps, actor, params }) => {
      await unlockUser(deps, actor, params.id);
      return { status: 204 };
    },
  }),
  route({
    method: 'post',
    path: '/users/{id}/sign-out',
    operationId: 'signOutUser',
    summary: 'Sign a user out everywhere: end every session, grant and refresh token',
    tag: 'Users',
    scope: 'admin:users:write',
    params: s.userIdParams,
    response: { status: 200, description: 'what was ended', schema: s.signedOut },
    handle: async ({ deps, actor, params }) => ({ status: 200, body: await signOutEverywhere(deps, actor, params.id) }),
  }),
  route({
    method: 'post',
    path: '/users/{id}/password-reset',
    operationId: 'requestPasswordReset',
    summary: 'Mail the user a request to choose a new password (the reset flow sends the code)',
    tag: 'Users',
    scope: 'admin:users:write',
    params: s.userIdParams,
    response: { status: 204, description: 'the mail is queued' },
    handle: async ({ deps, actor, params }) => {
      await sendPasswordReset(deps, actor, params.id);
      return { status: 204 };
    },
  }),
  route({
    method: 'delete',
    path: '/users/{id}/passkeys/{passkeyId}',
    operationId: 'removeUserPasskey',
    summary: 'Remove one passkey of a user (the owner is told by mail)',
    tag: 'Users',
    scope: 'admin:users:write',
    params: s.passkeyParams,
    response: { status: 204, description: 'removed' },
    handle: async ({ deps, actor, params }) => {
      await removeUserPasskey(deps, actor, params.id, params.passkeyId);
      return { status: 204 };
    },
  }),
  route({
    method: 'get',
    path: '/users/{id}/api-keys',
    operationId: 'listUserApiKeys',
    summary: "A user's self-service API keys: grants, end date, last use (never a secret)",
    tag: 'Users',
    scope: 'admin:users:read',
    params: s.userIdParams,
    query: k.userApiKeysQuery,
    response: { status: 200, description: 'a page of the keys, oldest first', schema: k.userApiKeyPage },
    handle: async ({ deps, params, query }) => ({ status: 200, body: await listUserApiKeys(deps, params.id, query) }),
  }),
  route({
    method: 'delete',
    path: '/users/{id}/api-keys/{clientId}',
    operationId: 'revokeUserApiKey',
    summary: 'Revoke one API key of a user: its secrets, grants and tokens end at once',
    tag: 'Users',
    scope: 'admin:users:write',
    params: k.userApiKeyParams,
    response: { status: 204, description: 'revoked; the audit event names the admin' },
    handle: async ({ deps, actor, params, ctx }) => {
      await revokeUserApiKey(deps, actor, params.id, params.clientId, { ip: ctx.ip });
      return { status: 204 };
    },
  }),
]);
