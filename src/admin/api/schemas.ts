import { z } from 'zod';
import { ADMIN_SCOPES } from '../../clients/admin-resource.js';

/**
 * The admin API's shapes: request schemas validate what comes in (route-table.ts) and,
 * with the response schemas, make the OpenAPI document (openapi.ts); one definition each,
 * so the two cannot drift. `.meta({ id })` names a component in the document.
 */

const dateTime = z.iso.datetime().describe('RFC 3339 date-time');
const nullableDate = dateTime.nullable();
const id = z.string().min(1).max(200);
const text = (max: number) => z.string().trim().min(1).max(max);

export const cursorQuery = {
  cursor: z.string().max(1024).optional().describe('the nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(200).optional().describe('page size, 1 to 200 (default 50)'),
};

export const pageQuery = z.object(cursorQuery);

export const pageOf = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ items: z.array(item), nextCursor: z.string().optional().describe('absent on the last page') }).meta({ id: name });

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().describe('stable, dotted: admin.not_found, admin.insufficient_scope…'),
    detail: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

// Users

export const userIdParams = z.object({ id: id.describe('the user id (sub)') });
export const passkeyParams = z.object({ id: id.describe('the user id (sub)'), passkeyId: id });
export const userSearchQuery = z.object({ q: z.string().max(320).optional().describe('part of the email address or name, any case'), ...cursorQuery });

export const userSummary = z
  .object({ id: z.string(), email: z.string(), name: z.string(), emailVerified: z.boolean(), isAdmin: z.boolean(), createdAt: dateTime, disabledAt: nullableDate })
  .meta({ id: 'UserSummary' });

export const userCore = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    emailVerified: z.boolean(),
    hasPassword: z.boolean(),
    admin: z.boolean(),
    disabledAt: nullableDate,
    createdAt: dateTime,
    passwordChangedAt: nullableDate,
  })
  .meta({ id: 'User' });

export const auditEvent = z
  .object({
    id: z.string(),
    at: dateTime,
    type: z.string(),
    accountId: z.string().nullable(),
    clientId: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEvent' });

export const userView = z
  .object({
    user: userCore,
    lastSignInAt: nullableDate,
    lock: z.object({ locked: z.boolean(), seconds: z.number().int() }),
    passkeys: z.array(z.object({ id: z.string(), name: z.string(), createdAt: dateTime, lastUsedAt: nullableDate, backupEligible: z.boolean() })),
    sessions: z.array(z.object({ id: z.string(), createdAt: nullableDate, lastSeenAt: nullableDate, userAgent: z.string().nullable(), ip: z.string().nullable() })),
    recentEvents: z.array(auditEvent),
  })
  .meta({ id: 'UserDetail' });

export const newUserBody = z
  .strictObject({
    email: text(320),
    name: text(200),
    password: z.string().min(1).max(1024).optional().describe('set this password; leave out with invite'),
    invite: z.boolean().optional().describe('no password: mail a single-use link (24 hours) to create the first passkey'),
    emailVerified: z.boolean().optional(),
    admin: z.boolean().optional(),
  })
  .meta({ id: 'NewUser' });

export const createdUser = z.object({ user: userCore, inviteUrl: z.string().optional() }).meta({ id: 'CreatedUser' });

export const userPatchBody = z
  .strictObject({ name: text(200).optional(), disabled: z.boolean().optional(), admin: z.boolean().optional() })
  .refine((b) => Object.keys(b).length > 0, 'give at least one of name, disabled, admin')
  .meta({ id: 'UserChange' });

export const signedOut = z.object({ sessions: z.number().int(), grants: z.number().int(), refreshTokens: z.number().int() }).meta({ id: 'SignedOut' });

// Clients

export const clientIdParams = z.object({ clientId: id });
export const secretParams = z.object({ clientId: id, secretId: id });
export const resourceGrant = z.strictObject({ indicator: z.string().url().max(2000), scopes: z.array(z.string().min(1).max(200)).min(1).max(100) }).meta({ id: 'ResourceGrant' });

const uris = z.array(z.string().max(2000)).max(50);
const scope = z.string().max(2000).describe('space-separated OpenID scopes (API scopes are granted per resource)');

export const clientSummary = z
  .object({
    clientId: z.string(),
    name: z.string(),
    public: z.boolean(),
    thirdParty: z.boolean(),
    canIntrospect: z.boolean(),
    redirectUris: z.array(z.string()),
    grantTypes: z.array(z.string()),
    scope: z.string(),
    authMethod: z.string(),
    createdAt: dateTime,
    expiresAt: nullableDate,
    disabledAt: nullableDate,
  })
  .meta({ id: 'ClientSummary' });

export const clientView = clientSummary
  .extend({
    resources: z.array(resourceGrant),
    secrets: z.array(z.object({ id: z.string(), createdAt: dateTime, expiresAt: nullableDate, revokedAt: nullableDate, lastUsedAt: nullableDate })),
    lastUsedAt: nullableDate,
  })
  .meta({ id: 'Client' });

export const newClientBody = z
  .strictObject({
    name: text(200),
    redirectUris: uris.default([]),
    postLogoutRedirectUris: uris.default([]),
    grantTypes: z.array(z.enum(['authorization_code', 'refresh_token', 'client_credentials'])).min(1).default(['authorization_code', 'refresh_token']),
    scope: scope.optional().describe('default with authorization_code: "openid email profile offline_access", else none'),
    resources: z.array(resourceGrant).max(50).default([]),
    adminScopes: z.array(z.enum(ADMIN_SCOPES)).max(ADMIN_SCOPES.length).optional().describe("scopes of Latchkey's own admin API"),
    public: z.boolean().default(false),
    thirdParty: z.boolean().default(false),
    canIntrospect: z.boolean().default(false),
    expiresInSeconds: z.number().int().positive().max(10 * 365 * 86400).optional(),
    secretExpiresInSeconds: z.number().int().positive().max(10 * 365 * 86400).optional(),
  })
  .meta({ id: 'NewClient' });

export const createdClient = z
  .object({ clientId: z.string(), clientSecret: z.string().optional().describe('shown once: Latchkey keeps only a hash'), secretId: z.string().optional(), client: clientView })
  .meta({ id: 'CreatedClient' });

export const clientPatchBody = z
  .strictObject({
    name: text(200).optional(),
    redirectUris: uris.optional(),
    postLogoutRedirectUris: uris.optional(),
    scope: scope.optional(),
    resources: z.array(resourceGrant).max(50).optional().describe('replaces every resource grant of the client'),
    disabled: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change')
  .meta({ id: 'ClientChange' });

export const rotateBody = z
  .strictObject({
    overlapSeconds: z.number().int().min(0).max(30 * 86400).default(86400).describe('how long the current secrets keep working'),
    expiresInSeconds: z.number().int().positive().max(10 * 365 * 86400).optional(),
  })
  .meta({ id: 'SecretRotation' });

export const newSecret = z.object({ secretId: z.string(), clientSecret: z.string().describe('shown once') }).meta({ id: 'NewSecret' });

// Resources

export const indicatorParams = z.object({ indicator: z.string().min(1).max(2000).describe('the resource indicator, URL-encoded') });
const scopeToken = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope is printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3)').max(200);

export const resourceSchema = z
  .object({
    indicator: z.string(),
    name: z.string(),
    scopes: z.array(z.string()),
    scopeDescriptions: z.record(z.string(), z.string()),
    tokenFormat: z.enum(['jwt', 'opaque']),
    accessTokenTtl: z.number().int().describe('seconds'),
    createdAt: dateTime,
  })
  .meta({ id: 'Resource' });

export const newResourceBody = z
  .strictObject({
    indicator: z.string().url().max(2000),
    name: text(200).optional(),
    scopes: z.array(scopeToken).min(1).max(100),
    scopeDescriptions: z.record(z.string(), z.string().max(500)).optional(),
    tokenFormat: z.enum(['jwt', 'opaque']).default('jwt'),
    accessTokenTtl: z.number().int().min(30).max(86400).default(600),
  })
  .meta({ id: 'NewResource' });

export const resourcePatchBody = z
  .strictObject({
    name: text(200).optional(),
    scopes: z.array(scopeToken).min(1).max(100).optional(),
    scopeDescriptions: z.record(z.string(), z.string().max(500)).optional(),
    tokenFormat: z.enum(['jwt', 'opaque']).optional(),
    accessTokenTtl: z.number().int().min(30).max(86400).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change')
  .meta({ id: 'ResourceChange' });

export const resourceList = z.object({ items: z.array(resourceSchema) }).meta({ id: 'ResourceList' });

// Audit

export const auditQuery = z.object({
  accountId: z.string().max(200).optional(),
  clientId: z.string().max(200).optional(),
  type: z.string().max(100).optional().describe('an event type, e.g. account.disabled'),
  since: z.iso.datetime({ offset: true }).optional().describe('events at or after this time'),
  until: z.iso.datetime({ offset: true }).optional().describe('events before this time'),
  ...cursorQuery,
});
