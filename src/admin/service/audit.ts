import { z } from 'zod';
import { queryAudit, type AuditFilter, type StoredAuditEvent } from '../../audit/audit-query.js';
import type { AdminDeps } from './context.js';
import { clampLimit, decodeCursor, encodeCursor, MAX_LIMIT, type Page } from './cursor.js';

// `at` goes to the database as a timestamp (its own text form, `at::text`): anything that
// is not a real one is a 400 here, not a database error (500) there.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)?$/;
function isTimestamp(v: string): boolean {
  const m = TIMESTAMP.exec(v);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d;
}
const position = z.object({ at: z.string().max(64).refine(isTimestamp), id: z.string().regex(/^\d{1,19}$/) });

export type AuditEventView = Omit<StoredAuditEvent, 'position'>;

const view = ({ position: _p, ...event }: StoredAuditEvent): AuditEventView => event;

/** The audit log, newest first, filtered by account, client, type and time; opaque cursor. */
export async function searchAudit(deps: Pick<AdminDeps, 'db'>, filter: AuditFilter, page: { cursor?: string | undefined; limit?: number | undefined }): Promise<Page<AuditEventView>> {
  const before = decodeCursor(page.cursor, position);
  const { events, more } = await queryAudit(deps.db, filter, { before, limit: clampLimit(page.limit) });
  const last = events.at(-1);
  return { items: events.map(view), ...(more && last ? { nextCursor: encodeCursor(last.position) } : {}) };
}

/**
 * Every matching event, newest first, as JSON lines (one event per line), read a page at
 * a time, so an export of the whole log never holds it in memory. The caller streams the
 * lines out as they come.
 */
export async function* exportAudit(deps: Pick<AdminDeps, 'db'>, filter: AuditFilter): AsyncGenerator<string> {
  let before: StoredAuditEvent['position'] | undefined;
  for (;;) {
    const { events, more } = await queryAudit(deps.db, filter, { before, limit: MAX_LIMIT });
    for (const event of events) yield `${JSON.stringify(view(event))}\n`;
    if (!more) return;
    before = events.at(-1)!.position;
  }
}
