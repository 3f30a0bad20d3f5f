import type { Db } from '../storage/db.js';

export interface StoredAuditEvent {
  /** The row id, as a string (bigserial can outgrow a JS number). */
  id: string;
  at: Date;
  type: string;
  accountId: string | null;
  clientId: string | null;
  ip: string | null;
  userAgent: string | null;
  detail: Record<string, unknown>;
  /** This event as a position to page on from. */
  position: AuditPosition;
}

export interface AuditFilter {
  accountId?: string | undefined;
  clientId?: string | undefined;
  type?: string | undefined;
  /** Events at or after this time. */
  since?: Date | undefined;
  /** Events before this time. */
  until?: Date | undefined;
}

/**
 * Where the previous page stopped: its last event's (at, id). `at` is the database's
 * own text of the time, to the microsecond: a JS Date keeps milliseconds only, and a
 * cursor rounded down would skip the rows between.
 */
export interface AuditPosition {
  at: string;
  id: string;
}

interface Row {
  id: string;
  at: Date;
  type: string;
  account_id: string | null;
  client_id: string | null;
  ip: string | null;
  user_agent: string | null;
  detail: Record<string, unknown>;
  at_exact: string;
}

const toEvent = (r: Row): StoredAuditEvent => ({
  id: String(r.id),
  at: r.at,
  type: r.type,
  accountId: r.account_id,
  clientId: r.client_id,
  ip: r.ip,
  userAgent: r.user_agent,
  detail: r.detail,
  position: { at: r.at_exact, id: String(r.id) },
});

/**
 * The audit log, newest first, filtered, paged by keyset on (at, id): a page starts
 * strictly below the last row of the one before, so events recorded meanwhile neither
 * shift nor repeat rows (an OFFSET would). Indexes: migrations 001 and 018.
 */
export async function queryAudit(db: Db, filter: AuditFilter, page: { before?: AuditPosition | undefined; limit: number }): Promise<{ events: StoredAuditEvent[]; more: boolean }> {
  const { rows } = await db.query<Row>(
    `SELECT id::text AS id, at, at::text AS at_exact, type, account_id, client_id, ip, user_agent, detail FROM audit_events
     WHERE ($1::text IS NULL OR account_id = $1) AND ($2::text IS NULL OR client_id = $2) AND ($3::text IS NULL OR type = $3)
       AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at < $5)
       AND ($6::timestamptz IS NULL OR (at, id) < ($6, $7::bigint))
     -- The table's columns, not the output's: \`id\` alone would name the text column above
     -- and sort '99' after '100', so pages would skip and repeat rows.
     ORDER BY audit_events.at DESC, audit_events.id DESC LIMIT $8`,
    [
      filter.accountId ?? null,
      filter.clientId ?? null,
      filter.type ?? null,
      filter.since ?? null,
      filter.until ?? null,
      page.before?.at ?? null,
      page.before?.id ?? null,
      page.limit + 1,
    ],
  );
  return { events: rows.slice(0, page.limit).map(toEvent), more: rows.length > page.limit };
}

/** The time of the account's newest event of one of `types` (its last sign-in), if any. */
export async function lastEventAt(db: Db, accountId: string, types: readonly string[]): Promise<Date | null> {
  const { rows } = await db.query<{ at: Date }>('SELECT max(at) AS at FROM audit_events WHERE account_id = $1 AND type = ANY($2::text[])', [accountId, [...types]]);
  return rows[0]?.at ?? null;
}
