import { z } from 'zod';
import { cursorQuery, pageOf, resourceGrant } from './schemas.js';

/** The shapes of users' self-service API keys in the admin API (beside schemas.ts, which is full). */

const dateTime = z.iso.datetime().describe('RFC 3339 date-time');
const id = z.string().min(1).max(200);

export const userApiKeysQuery = z.object(cursorQuery);
export const userApiKeyParams = z.object({ id: id.describe('the user id (sub)'), clientId: id.describe('the client id of the key') });

export const userApiKey = z
  .object({
    clientId: z.string(),
    name: z.string(),
    ownerAccountId: z.string(),
    ownerEmail: z.string(),
    grants: z.array(resourceGrant).describe('the APIs the key may call, with its scopes on each'),
    createdAt: dateTime,
    expiresAt: dateTime.describe('the key stops working at this time'),
    expired: z.boolean(),
    lastUsedAt: dateTime.nullable().describe('recorded in batches, so up to a minute late'),
    secretCreatedAt: dateTime.nullable().describe('when the current secret was made (creation or last rotation)'),
  })
  .meta({ id: 'UserApiKey', description: 'a client-credentials client a user made for themselves; never its secret' });

export const userApiKeyPage = pageOf(userApiKey, 'UserApiKeyPage');
