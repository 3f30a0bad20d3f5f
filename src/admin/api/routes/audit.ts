import type { AuditFilter } from '../../../audit/audit-query.js';
import { exportAudit, searchAudit } from '../../service/index.js';
import { route, type ApiRoute } from '../route-table.js';
import * as s from '../schemas.js';
import type { z } from 'zod';

const filterOf = (q: z.output<typeof s.auditQuery>): AuditFilter => ({
  accountId: q.accountId,
  clientId: q.clientId,
  type: q.type,
  since: q.since ? new Date(q.since) : undefined,
  until: q.until ? new Date(q.until) : undefined,
});

/** /audit: the audit log, filtered and paged, or exported whole as JSON lines. */
export const auditRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/audit',
    operationId: 'searchAudit',
    summary: 'Audit events, newest first, by account, client, type and time',
    tag: 'Audit',
    scope: 'admin:audit:read',
    query: s.auditQuery,
    response: { status: 200, description: 'a page of events', schema: s.pageOf(s.auditEvent, 'AuditPage') },
    handle: async ({ deps, query }) => ({ status: 200, body: await searchAudit(deps, filterOf(query), query) }),
  }),
  route({
    method: 'get',
    path: '/audit/export',
    operationId: 'exportAudit',
    summary: 'Every matching audit event as JSON lines (streamed, newest first)',
    tag: 'Audit',
    scope: 'admin:audit:read',
    query: s.auditQuery.omit({ cursor: true, limit: true }),
    response: { status: 200, description: 'one AuditEvent per line', schema: s.auditEvent, contentType: 'application/x-ndjson' },
    handle: async ({ deps, query }) => ({ status: 200, lines: exportAudit(deps, filterOf(query)) }),
  }),
];
