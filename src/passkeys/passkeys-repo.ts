import { AppError } from '../common/errors.js';
import type { Db } from '../storage/db.js';
import { onUniqueViolation } from '../storage/unique-violation.js';
import { NO_TRUST, type AttestationTrust } from './attestation-trust.js';

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
  /** The attestation statement format at registration (`none`, `packed`, `tpm`…). */
  attestationFormat: string;
  /** SHA-256 of the trust anchor the attestation chained to at registration, or null. */
  attestationAnchor: string | null;
  attestationAnchorLabel: string | null;
  /**
   * Derived, never stored: the attestation chained to an anchor that is still configured
   * and the credential cannot be synced (attestation-trust.ts). Only these reach phrh.
   */
  hardwareAttested: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** What a passkey is, in the words of the account page and the audit log. */
export function passkeyKind(p: Pick<Passkey, 'backupEligible' | 'hardwareAttested'>): string {
  if (p.hardwareAttested) return 'hardware security key (attested)';
  return p.backupEligible ? 'synced passkey' : 'passkey on this device';
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
  attestation_format: string;
  attestation_anchor: string | null;
  attestation_anchor_label: string | null;
  created_at: Date;
  last_used_at: Date | null;
}

const COLUMNS = 'id, account_id, public_key, counter, transports, aaguid, backup_eligible, backup_state, name, attestation_format, attestation_anchor, attestation_anchor_label, created_at, last_used_at';

function toPasskeyWith(r: PasskeyRow, trust: AttestationTrust): Passkey {
  const facts = { aaguid: r.aaguid, backupEligible: r.backup_eligible, attestationAnchor: r.attestation_anchor };
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
    attestationFormat: r.attestation_format,
    attestationAnchor: r.attestation_anchor,
    attestationAnchorLabel: r.attestation_anchor_label,
    hardwareAttested: trust.hardwareAttested(facts),
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
  };
}

export class DuplicateCredentialError extends AppError {
  constructor() {
    super('passkey.duplicate', 'This passkey is already registered.', { status: 409 });
  }
}

/** `trust`: the configured attestation anchors (without: nothing is hardware-attested). */
export function createPasskeysRepo(db: Db, trust: AttestationTrust = NO_TRUST) {
  const toPasskey = (r: PasskeyRow) => toPasskeyWith(r, trust);
  return {
    async listForAccount(accountId: string): Promise<Passkey[]> {
      const { rows } = await db.query<PasskeyRow>(`SELECT ${COLUMNS} FROM passkeys WHERE account_id = $1 ORDER BY created_at, id`, [accountId]);
      return rows.map(toPasskey);
    },

    async find(id: string): Promise<Passkey | undefined> {
      const { rows } = await db.query<PasskeyRow>(`SELECT ${COLUMNS} FROM passkeys WHERE id = $1`, [id]);
      return rows[0] && toPasskey(rows[0]);
    },

    async insert(p: Omit<Passkey, 'createdAt' | 'lastUsedAt' | 'hardwareAttested' | 'attestationFormat' | 'attestationAnchor' | 'attestationAnchorLabel'> & Partial<Pick<Passkey, 'attestationFormat' | 'attestationAnchor' | 'attestationAnchorLabel'>>): Promise<Passkey> {
      const { rows } = await onUniqueViolation(
        () =>
          db.query<PasskeyRow>(
            `INSERT INTO passkeys (id, account_id, public_key, counter, transports, aaguid, backup_eligible, backup_state, name,
                                   attestation_format, attestation_anchor, attestation_anchor_label)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${COLUMNS}`,
            [p.id, p.accountId, Buffer.from(p.publicKey), p.counter, p.transports, p.aaguid, p.backupEligible, p.backupState, p.name,
              p.attestationFormat ?? 'none', p.attestationAnchor ?? null, p.attestationAnchorLabel ?? null],
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
