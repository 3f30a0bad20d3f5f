import { AppError } from '../common/errors.js';
import { randomId } from '../common/random-id.js';
import type { ReadAlong } from '../adapters/read-ahead.js';
import type { Db } from '../storage/db.js';
import { onUniqueViolation } from '../storage/unique-violation.js';
import { canonicalEmail } from './email.js';

export interface Account {
  id: string;
  email: string;
  emailVerified: boolean;
  name: string;
  passwordHash: string | null;
  passkeyOfferDismissedAt: Date | null;
  createdAt: Date;
  /**
   * Set by `latchkey user disable`: the account cannot sign in and is unknown to tokens.
   * Lookups leave disabled accounts out, so only the CLI ever sees it set (optional so
   * that accounts built by hand in tests need not name it).
   */
  disabledAt?: Date | null;
  /** When the password last changed (not a rehash); null before migration 014 or never. */
  passwordChangedAt?: Date | null;
  /** Holds the admin role (migration 015); optional for accounts built by hand in tests. */
  isAdmin?: boolean;
}

/**
 * The version of the account's password a `pwd` factor is checked against: when it last
 * changed (ms), 0 when it never has. A sign-in records the version its password check
 * saw, and ends if the version moved before it finished (interactions/context.ts
 * decideStep, provider/find-account.ts at the resume).
 */
export function passwordVersion(account: Pick<Account, 'passwordChangedAt'>): number {
  return account.passwordChangedAt?.getTime() ?? 0;
}

interface AccountRow {
  id: string;
  email: string;
  email_verified: boolean;
  name: string;
  password_hash: string | null;
  passkey_offer_dismissed_at: Date | null;
  created_at: Date;
  disabled_at: Date | null;
  password_changed_at: Date | null;
  is_admin: boolean;
}

const COLUMNS = 'id, email, email_verified, name, password_hash, passkey_offer_dismissed_at, created_at, disabled_at, password_changed_at, is_admin';

/**
 * The account of a refresh token, read along with the token (adapters/read-ahead.ts), as
 * findById reads it: a disabled account is not found. Its columns are named `acct_*`.
 */
export const accountReadAlong: ReadAlong = {
  kind: 'Account',
  join: 'LEFT JOIN accounts acct ON acct.id = t.account_id AND acct.disabled_at IS NULL',
  columns: `t.account_id AS acct_of, ${COLUMNS.split(', ').map((c) => `acct.${c} AS acct_${c}`).join(', ')}`,
  idOf: (row) => (typeof row.acct_of === 'string' ? row.acct_of : undefined),
  rowOf(row) {
    if (typeof row.acct_id !== 'string') return null;
    // Field by field, so the type checker holds this to AccountRow as it does every query.
    const text = (v: unknown) => (typeof v === 'string' ? v : null);
    const date = (v: unknown) => (v instanceof Date ? v : null);
    return toAccount({
      id: row.acct_id,
      email: String(row.acct_email),
      email_verified: row.acct_email_verified === true,
      name: String(row.acct_name),
      password_hash: text(row.acct_password_hash),
      passkey_offer_dismissed_at: date(row.acct_passkey_offer_dismissed_at),
      created_at: date(row.acct_created_at) ?? new Date(Number.NaN),
      disabled_at: date(row.acct_disabled_at),
      password_changed_at: date(row.acct_password_changed_at),
      is_admin: row.acct_is_admin === true,
    });
  },
};

function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    email: row.email,
    emailVerified: row.email_verified,
    name: row.name,
    passwordHash: row.password_hash,
    passkeyOfferDismissedAt: row.passkey_offer_dismissed_at,
    createdAt: row.created_at,
    disabledAt: row.disabled_at,
    passwordChangedAt: row.password_changed_at,
    isAdmin: row.is_admin,
  };
}

export class DuplicateEmailError extends AppError {
  constructor() {
    super('account.email_taken', 'An account with this email address already exists.', { status: 409 });
  }
}

/** A stable opaque subject: random, never derived from the email (OIDC Core §8). */
export function newAccountId(): string {
  return randomId();
}

/**
 * Lookups leave disabled accounts out unless asked (`includeDisabled`, for the operator's
 * CLI): every sign-in path, token and page then treats a disabled account as unknown,
 * failing closed wherever a new caller forgets to check.
 */
interface Lookup {
  includeDisabled?: boolean;
}
const active = (lookup: Lookup) => (lookup.includeDisabled ? '' : ' AND disabled_at IS NULL');

export function createAccountsRepo(db: Db) {
  return {
    async findById(id: string, lookup: Lookup = {}): Promise<Account | undefined> {
      const { rows } = await db.query<AccountRow>(`SELECT ${COLUMNS} FROM accounts WHERE id = $1${active(lookup)}`, [id]);
      return rows[0] && toAccount(rows[0]);
    },

    /** The account, disabled or not, its row locked until the transaction `db` belongs to ends (run inside one). */
    async findForUpdate(id: string): Promise<Account | undefined> {
      const { rows } = await db.query<AccountRow>(`SELECT ${COLUMNS} FROM accounts WHERE id = $1 FOR UPDATE`, [id]);
      return rows[0] && toAccount(rows[0]);
    },

    async findByEmail(email: string, lookup: Lookup = {}): Promise<Account | undefined> {
      const { rows } = await db.query<AccountRow>(`SELECT ${COLUMNS} FROM accounts WHERE email = $1${active(lookup)}`, [canonicalEmail(email)]);
      return rows[0] && toAccount(rows[0]);
    },

    /** Every account, disabled ones included, oldest first (the operator's list). */
    async list(): Promise<Account[]> {
      const { rows } = await db.query<AccountRow>(`SELECT ${COLUMNS} FROM accounts ORDER BY created_at, id`);
      return rows.map(toAccount);
    },

    /** Disables (a date) or enables (null) an account; false when it was already so, or is unknown. */
    async setDisabled(id: string, at: Date | null): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE accounts SET disabled_at = $2, updated_at = now() WHERE id = $1 AND disabled_at IS ${at ? 'NULL' : 'NOT NULL'}`,
        [id, at],
      );
      return rowCount > 0;
    },

    /** Grants or revokes the admin role; false when it was already so, or the account is unknown. */
    async setAdmin(id: string, admin: boolean): Promise<boolean> {
      const { rowCount } = await db.query('UPDATE accounts SET is_admin = $2, updated_at = now() WHERE id = $1 AND is_admin <> $2', [id, admin]);
      return rowCount > 0;
    },

    /** `id`: a provisional id chosen earlier (a sign-up's passkey is made for it before the row exists). */
    async create(input: { id?: string; email: string; name: string; passwordHash: string | null; emailVerified?: boolean; isAdmin?: boolean }): Promise<Account> {
      const { rows } = await onUniqueViolation(
        () =>
          db.query<AccountRow>(
            `INSERT INTO accounts (id, email, name, password_hash, email_verified, is_admin) VALUES ($1, $2, $3, $4, $5, $6)
             RETURNING ${COLUMNS}`,
            [input.id ?? newAccountId(), canonicalEmail(input.email), input.name, input.passwordHash, input.emailVerified ?? false, input.isAdmin ?? false],
          ),
        () => new DuplicateEmailError(),
      );
      return toAccount(rows[0]!);
    },

    async rename(id: string, name: string): Promise<void> {
      await db.query('UPDATE accounts SET name = $2, updated_at = now() WHERE id = $1', [id, name]);
    },

    /** The same password, hashed again (new parameters): not a change. */
    async setPasswordHash(id: string, passwordHash: string): Promise<void> {
      await db.query('UPDATE accounts SET password_hash = $2, updated_at = now() WHERE id = $1', [id, passwordHash]);
    },

    /** A new password (reset, change, set by the operator): sign-ins still checking the old one cannot finish. */
    async changePassword(id: string, passwordHash: string, at: Date): Promise<void> {
      await db.query('UPDATE accounts SET password_hash = $2, password_changed_at = $3, updated_at = now() WHERE id = $1', [id, passwordHash, at]);
    },

    /**
     * Marks the address verified, only if it is still the address the code was sent to
     * (a code proves control of one address, not of whatever the account holds later).
     */
    async markEmailVerified(id: string, email: string): Promise<boolean> {
      const { rowCount } = await db.query('UPDATE accounts SET email_verified = true, updated_at = now() WHERE id = $1 AND email = $2', [id, canonicalEmail(email)]);
      return rowCount > 0;
    },

    /** Undoes a sign-up whose passkey could not be saved: only an account with no password and no passkey. */
    async removeUnfinished(id: string): Promise<void> {
      await db.query('DELETE FROM accounts WHERE id = $1 AND password_hash IS NULL AND NOT EXISTS (SELECT 1 FROM passkeys WHERE account_id = $1)', [id]);
    },

    async dismissPasskeyOffer(id: string, at: Date): Promise<void> {
      await db.query('UPDATE accounts SET passkey_offer_dismissed_at = $2 WHERE id = $1', [id, at]);
    },

    /** Deletes the account; its passkeys go with it (ON DELETE CASCADE). */
    async remove(id: string): Promise<boolean> {
      const { rowCount } = await db.query('DELETE FROM accounts WHERE id = $1', [id]);
      return rowCount > 0;
    },

    async count(): Promise<number> {
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM accounts');
      return rows[0]!.n;
    },
  };
}

export type AccountsRepo = ReturnType<typeof createAccountsRepo>;
