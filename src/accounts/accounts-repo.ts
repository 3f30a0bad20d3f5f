import { randomBytes } from 'node:crypto';
import { AppError } from '../common/errors.js';
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
}

interface AccountRow {
  id: string;
  email: string;
  email_verified: boolean;
  name: string;
  password_hash: string | null;
  passkey_offer_dismissed_at: Date | null;
  created_at: Date;
}

const COLUMNS = 'id, email, email_verified, name, password_hash, passkey_offer_dismissed_at, created_at';

function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    email: row.email,
    emailVerified: row.email_verified,
    name: row.name,
    passwordHash: row.password_hash,
    passkeyOfferDismissedAt: row.passkey_offer_dismissed_at,
    createdAt: row.created_at,
  };
}

export class DuplicateEmailError extends AppError {
  constructor() {
    super('account.email_taken', 'An account with this email address already exists.', { status: 409 });
  }
}

/** A stable opaque subject: random, never derived from the email (OIDC Core §8). */
export function newAccountId(): string {
  return randomBytes(16).toString('base64url');
}

export function createAccountsRepo(db: Db) {
  return {
    async findById(id: string): Promise<Account | undefined> {
      const { rows } = await db.query<AccountRow>(`SELECT ${COLUMNS} FROM accounts WHERE id = $1`, [id]);
      return rows[0] && toAccount(rows[0]);
    },

    async findByEmail(email: string): Promise<Account | undefined> {
      const { rows } = await db.query<AccountRow>(`SELECT ${COLUMNS} FROM accounts WHERE email = $1`, [canonicalEmail(email)]);
      return rows[0] && toAccount(rows[0]);
    },

    async create(input: { email: string; name: string; passwordHash: string | null; emailVerified?: boolean }): Promise<Account> {
      const { rows } = await onUniqueViolation(
        () =>
          db.query<AccountRow>(
            `INSERT INTO accounts (id, email, name, password_hash, email_verified) VALUES ($1, $2, $3, $4, $5)
             RETURNING ${COLUMNS}`,
            [newAccountId(), canonicalEmail(input.email), input.name, input.passwordHash, input.emailVerified ?? false],
          ),
        () => new DuplicateEmailError(),
      );
      return toAccount(rows[0]!);
    },

    async setPasswordHash(id: string, passwordHash: string): Promise<void> {
      await db.query('UPDATE accounts SET password_hash = $2, updated_at = now() WHERE id = $1', [id, passwordHash]);
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
