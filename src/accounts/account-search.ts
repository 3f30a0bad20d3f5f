import type { Db } from '../storage/db.js';
import { canonicalEmail } from './email.js';

export interface AccountHit {
  id: string;
  email: string;
  name: string;
  emailVerified: boolean;
  isAdmin: boolean;
  createdAt: Date;
  disabledAt: Date | null;
}

interface HitRow {
  id: string;
  email: string;
  name: string;
  email_verified: boolean;
  is_admin: boolean;
  created_at: Date;
  disabled_at: Date | null;
}

// LIKE's own wildcards in what someone typed match themselves, not anything.
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The admin's user search: accounts whose address or name contains `query` (case-
 * insensitive; the address in its canonical spelling, so any spelling finds it),
 * disabled ones included, ordered by address, which is unique, so `after` (the last
 * address of the previous page) is a keyset cursor that neither skips nor repeats rows
 * while others sign up. `limit + 1` rows are read to tell whether a next page exists.
 */
export async function searchAccounts(db: Db, input: { query?: string; after?: string; limit: number }): Promise<{ hits: AccountHit[]; more: boolean }> {
  const query = input.query?.trim() ?? '';
  const emailPattern = query ? `%${likeEscape(canonicalEmail(query))}%` : null;
  const namePattern = query ? `%${likeEscape(query.normalize('NFKC').toLowerCase())}%` : null;
  const { rows } = await db.query<HitRow>(
    `SELECT id, email, name, email_verified, is_admin, created_at, disabled_at FROM accounts
     WHERE ($1::text IS NULL OR email LIKE $1 ESCAPE '\\' OR lower(name) LIKE $2 ESCAPE '\\')
       AND ($3::text IS NULL OR email > $3)
     ORDER BY email LIMIT $4`,
    [emailPattern, namePattern, input.after ?? null, input.limit + 1],
  );
  return {
    hits: rows.slice(0, input.limit).map((r) => ({
      id: r.id,
      email: r.email,
      name: r.name,
      emailVerified: r.email_verified,
      isAdmin: r.is_admin,
      createdAt: r.created_at,
      disabledAt: r.disabled_at,
    })),
    more: rows.length > input.limit,
  };
}
