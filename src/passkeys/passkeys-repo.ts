import { AppError } from '../common/errors.js';
import type { Db } from '../storage/db.js';
import { onUniqueViolation } from '../storage/unique-violation.js';

export interface Passkey {
  id: string;
  accountId: string;
  publicKey: Uint8Array<ArrayBuffer>;
  counter: number;
  transports: string[];
  aaguid: string;
  backupEligible: boolean;
  backupState: boolean;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

interface PasskeyRow {
  id: string;
  account_id: string;
  public_key: Uint8Array;
  counter: number;
  transports: string[];
  aaguid: string;
  backup_eligible: boolean;
  backup_state: boolean;
  name: string;
  created_at: Date;
  last_used_at: Date | null;
}

const COLUMNS = 'id, account_id, public_key, counter, transports, aaguid, backup_eligible, backup_state, name, created_at, last_used_at';

function toPasskey(r: PasskeyRow): Passkey {
  return {
    id: r.id,
    accountId: r.account_id,
    publicKey: new Uint8Array(r.public_key) as Uint8Array<ArrayBuffer>,
    counter: Number(r.counter),
    transports: r.transports ?? [],
    aaguid: r.aaguid,
    backupEligible: r.backup_eligible,
    backupState: r.backup_state,
    name: r.name,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
  };
}

export class DuplicateCredentialError extends AppError {
  constructor() {
    super('passkey.duplicate', 'This passkey is already registered.', { status: 409 });
  }
}

export function createPasskeysRepo(db: Db) {
  return {
    async listForAccount(accountId: string): Promise<Passkey[]> {
      const { rows } = await db.query<PasskeyRow>(`SELECT ${COLUMNS} FROM passkeys WHERE account_id = $1 ORDER BY created_at, id`, [accountId]);
      return rows.map(toPasskey);
    },

    async find(id: string): Promise<Passkey | undefined> {
      const { rows } = await db.query<PasskeyRow>(`SELECT ${COLUMNS} FROM passkeys WHERE id = $1`, [id]);
      return rows[0] && toPasskey(rows[0]);
    },

    async insert(p: Omit<Passkey, 'createdAt' | 'lastUsedAt'>): Promise<Passkey> {
      const { rows } = await onUniqueViolation(
        () =>
          db.query<PasskeyRow>(
            `INSERT INTO passkeys (id, account_id, public_key, counter, transports, aaguid, backup_eligible, backup_state, name)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
            [p.id, p.accountId, Buffer.from(p.publicKey), p.counter, p.transports, p.aaguid, p.backupEligible, p.backupState, p.name],
          ),
        () => new DuplicateCredentialError(),
      );
      return toPasskey(rows[0]!);
    },

    /**
     * Records a successful assertion. The counter only moves forward even if two
     * assertions race: the WHERE clause makes a stale update a no-op.
     */
    async recordUse(id: string, counter: number, backupState: boolean): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE passkeys SET counter = $2, backup_state = $3, last_used_at = now()
         WHERE id = $1 AND (counter < $2 OR (counter = 0 AND $2 = 0))`,
        [id, counter, backupState],
      );
      return rowCount > 0;
    },

    async rename(accountId: string, id: string, name: string): Promise<boolean> {
      const { rowCount } = await db.query('UPDATE passkeys SET name = $3 WHERE account_id = $1 AND id = $2', [accountId, id, name]);
      return rowCount > 0;
    },

    async remove(accountId: string, id: string): Promise<boolean> {
      const { rowCount } = await db.query('DELETE FROM passkeys WHERE account_id = $1 AND id = $2', [accountId, id]);
      return rowCount > 0;
    },
  };
}

export type PasskeysRepo = ReturnType<typeof createPasskeysRepo>;
