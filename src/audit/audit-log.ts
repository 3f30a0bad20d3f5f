import type { Db } from '../storage/db.js';

export interface AuditEvent {
  type: string;
  accountId?: string | undefined;
  clientId?: string | undefined;
  ip?: string | undefined;
  /** The browser's User-Agent header as sent (kept to its first 512 characters). */
  userAgent?: string | undefined;
  /** Never a secret, token, code or password. */
  detail?: Record<string, unknown>;
}

export interface AuditLogOptions {
  /**
   * Sees every event as it is recorded (ops/metrics.ts turns known types into counters),
   * whether or not its insert succeeded: the event happened all the same, and a counter
   * must not go quiet while the database does. Called synchronously; it must not throw.
   */
  onRecord?: (event: AuditEvent) => void;
}

// A User-Agent is the client's to choose: enough to recognise a browser, bounded in size.
const USER_AGENT_MAX = 512;

export function createAuditLog(db: Db, options: AuditLogOptions = {}) {
  return {
    async record(event: AuditEvent): Promise<void> {
      options.onRecord?.(event);
      await db.query('INSERT INTO audit_events (type, account_id, client_id, ip, user_agent, detail) VALUES ($1, $2, $3, $4, $5, $6)', [
        event.type,
        event.accountId ?? null,
        event.clientId ?? null,
        event.ip ?? null,
        event.userAgent ? event.userAgent.slice(0, USER_AGENT_MAX) : null,
        JSON.stringify(event.detail ?? {}),
      ]);
    },
    /** Drops events older than `days`, so the table does not grow without bound. */
    async prune(days: number): Promise<number> {
      const { rowCount } = await db.query("DELETE FROM audit_events WHERE at < now() - make_interval(days => $1)", [days]);
      return rowCount;
    },
    async list(filter: { accountId?: string; type?: string } = {}): Promise<Array<AuditEvent & { at: Date }>> {
      const { rows } = await db.query<{ type: string; account_id: string | null; client_id: string | null; ip: string | null; user_agent: string | null; detail: Record<string, unknown>; at: Date }>(
        `SELECT type, account_id, client_id, ip, user_agent, detail, at FROM audit_events
         WHERE ($1::text IS NULL OR account_id = $1) AND ($2::text IS NULL OR type = $2) ORDER BY id`,
        [filter.accountId ?? null, filter.type ?? null],
      );
      return rows.map((r) => ({
        type: r.type,
        accountId: r.account_id ?? undefined,
        clientId: r.client_id ?? undefined,
        ip: r.ip ?? undefined,
        userAgent: r.user_agent ?? undefined,
        detail: r.detail,
        at: r.at,
      }));
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
