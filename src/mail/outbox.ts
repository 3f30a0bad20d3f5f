import type { Db } from '../storage/db.js';

export interface OutboxRow {
  id: string;
  template: string;
  recipient: string;
  data: Record<string, unknown>;
  attempts: number;
  createdAt: Date;
}

export interface FailedMail {
  id: string;
  template: string;
  recipient: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
}

/**
 * The mail_outbox table (migrations/007_mail_outbox.sql): SQL only. A claim takes due
 * rows with FOR UPDATE SKIP LOCKED and moves their next attempt past a lease in the
 * same statement, so concurrent drainers (any number of processes) take disjoint rows
 * and the delivery itself runs outside any transaction. A process that dies mid-send
 * leaves its rows to be taken again when the lease runs out: at least once, never lost.
 */
export function createOutbox(db: Db) {
  return {
    async enqueue(row: { id: string; template: string; recipient: string; data: object; at: Date }): Promise<void> {
      await db.query(
        `INSERT INTO mail_outbox (id, template, recipient, data, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $5)`,
        [row.id, row.template, row.recipient, JSON.stringify(row.data), row.at],
      );
    },

    async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<OutboxRow[]> {
      const { rows } = await db.query<{ id: string; template: string; recipient: string; data: Record<string, unknown>; attempts: number; created_at: Date }>(
        `UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = $2
         WHERE id IN (
           SELECT id FROM mail_outbox WHERE status = 'queued' AND next_attempt_at <= $1
           ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING id, template, recipient, data, attempts, created_at`,
        [now, leaseUntil, limit],
      );
      return rows.map((r) => ({ id: r.id, template: r.template, recipient: r.recipient, data: r.data, attempts: r.attempts, createdAt: r.created_at }));
    },

    /** Marks delivered rows sent: a drained batch in one statement. */
    async markSent(ids: readonly string[], at: Date): Promise<void> {
      if (!ids.length) return;
      await db.query(`UPDATE mail_outbox SET status = 'sent', sent_at = $2, data = NULL, last_error = NULL WHERE id = ANY($1::text[])`, [ids, at]);
    },

    async retryAt(id: string, at: Date, error: string): Promise<void> {
      await db.query(`UPDATE mail_outbox SET next_attempt_at = $2, last_error = $3 WHERE id = $1`, [id, at, error]);
    },

    async markFailed(id: string, error: string): Promise<void> {
      await db.query(`UPDATE mail_outbox SET status = 'failed', data = NULL, last_error = $2 WHERE id = $1`, [id, error]);
    },

    /** Removes sent rows older than `before`; failed rows stay for the operator. */
    async pruneSent(before: Date): Promise<number> {
      const { rowCount } = await db.query(`DELETE FROM mail_outbox WHERE status = 'sent' AND sent_at < $1`, [before]);
      return rowCount;
    },

    async listFailed(): Promise<FailedMail[]> {
      const { rows } = await db.query<{ id: string; template: string; recipient: string; attempts: number; last_error: string | null; created_at: Date }>(
        `SELECT id, template, recipient, attempts, last_error, created_at FROM mail_outbox WHERE status = 'failed' ORDER BY created_at`,
      );
      return rows.map((r) => ({ id: r.id, template: r.template, recipient: r.recipient, attempts: r.attempts, lastError: r.last_error, createdAt: r.created_at }));
    },
  };
}

export type Outbox = ReturnType<typeof createOutbox>;
