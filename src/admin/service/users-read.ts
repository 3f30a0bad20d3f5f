import { z } from 'zod';
import { createAccountsRepo, type Account } from '../../accounts/accounts-repo.js';
import { searchAccounts, type AccountHit } from '../../accounts/account-search.js';
import { lockState } from '../../accounts/unlock.js';
import { createAccountModels } from '../../adapters/account-models.js';
import { lastEventAt, queryAudit, type StoredAuditEvent } from '../../audit/audit-query.js';
import { createPasskeysRepo } from '../../passkeys/passkeys-repo.js';
import { metaOfSession } from '../../provider/session-meta.js';
import { adminErrors, etagOf, type AdminDeps } from './context.js';
import { clampLimit, decodeCursor, encodeCursor, type Page } from './cursor.js';

export type UserSummary = AccountHit;

/** Search by address or name (contains, case-insensitive), paged by an opaque cursor. */
export async function searchUsers(deps: Pick<AdminDeps, 'db'>, input: { query?: string | undefined; cursor?: string | undefined; limit?: number | undefined }): Promise<Page<UserSummary>> {
  const limit = clampLimit(input.limit);
  const after = decodeCursor(input.cursor, z.object({ email: z.string().max(320) }));
  const { hits, more } = await searchAccounts(deps.db, { ...(input.query ? { query: input.query.slice(0, 320) } : {}), ...(after ? { after: after.email } : {}), limit });
  const last = hits.at(-1);
  return { items: hits, ...(more && last ? { nextCursor: encodeCursor({ email: last.email }) } : {}) };
}

/** What a PATCH of a user acts on, and what its ETag covers. */
export function userCore(a: Account) {
  return {
    id: a.id,
    email: a.email,
    name: a.name,
    emailVerified: a.emailVerified,
    hasPassword: a.passwordHash !== null,
    admin: a.isAdmin ?? false,
    disabledAt: a.disabledAt ?? null,
    createdAt: a.createdAt,
    passwordChangedAt: a.passwordChangedAt ?? null,
  };
}

/** An account by id, disabled ones included; 404 when there is none. */
export async function loadAccount(deps: Pick<AdminDeps, 'db'>, id: string): Promise<Account> {
  const account = await createAccountsRepo(deps.db).findById(id, { includeDisabled: true });
  if (!account) throw adminErrors.notFound(`user ${id}`);
  return account;
}

/** The sign-in events the audit log holds (interactions/sign-in-record.ts). */
const SIGN_IN_TYPES = ['login.succeeded', 'login.step_up'] as const;
const RECENT_EVENTS = 20;

export interface UserView {
  user: ReturnType<typeof userCore>;
  etag: string;
  lastSignInAt: Date | null;
  lock: { locked: boolean; seconds: number };
  passkeys: Array<{ id: string; name: string; createdAt: Date; lastUsedAt: Date | null; backupEligible: boolean }>;
  sessions: Array<{ id: string; createdAt: Date | null; lastSeenAt: Date | null; userAgent: string | null; ip: string | null }>;
  recentEvents: StoredAuditEvent[];
}

const fromEpoch = (s: number | undefined) => (s === undefined ? null : new Date(s * 1000));

/** One user as an admin sees them: status, passkeys, sessions, lock, last sign-in, recent events. */
export async function viewUser(deps: Pick<AdminDeps, 'db' | 'ephemeral' | 'config' | 'trust'>, id: string): Promise<UserView> {
  const account = await loadAccount(deps, id);
  const [passkeys, sessions, lastSignInAt, lock, recent] = await Promise.all([
    createPasskeysRepo(deps.db, deps.trust).listForAccount(id),
    createAccountModels(deps.db).sessions(id),
    lastEventAt(deps.db, id, SIGN_IN_TYPES),
    lockState(deps.ephemeral, deps.config, account.email),
    queryAudit(deps.db, { accountId: id }, { limit: RECENT_EVENTS }),
  ]);
  const user = userCore(account);
  return {
    user,
    etag: etagOf(user),
    lastSignInAt,
    lock: { locked: lock.locked, seconds: lock.seconds },
    passkeys: passkeys.map((p) => ({ id: p.id, name: p.name, createdAt: p.createdAt, lastUsedAt: p.lastUsedAt, backupEligible: p.backupEligible })),
    // The session's uid is its handle here, never the cookie value (only a hash of it is stored).
    sessions: sessions.map((s) => {
      const meta = metaOfSession(s.payload.meta);
      return { id: s.uid, createdAt: fromEpoch(meta?.createdAt), lastSeenAt: fromEpoch(meta?.lastSeenAt), userAgent: meta?.userAgent ?? null, ip: meta?.ip ?? null };
    }),
    recentEvents: recent.events,
  };
}
