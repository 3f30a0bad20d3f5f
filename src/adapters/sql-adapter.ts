import { errors } from 'oidc-provider';
import type { Db } from '../storage/db.js';
import { type Clock, systemClock } from '../common/clock.js';
import { sha256 } from '../common/hash.js';
import { revivedPayload, storablePayload } from '../storage/model-payload.js';
import { type Adapter, type AdapterPayload, expiresAt } from './adapter.js';
import type { RotationWrites } from './rotation-commit.js';
import type { ReadAhead, ReadAlong } from './read-ahead.js';

interface Row {
  payload: AdapterPayload;
  consumed_at: Date | null;
  /** Seconds since consumed_at by the database's own clock (the one that wrote it); null when unused. */
  consumed_ago?: number | null;
}

interface WithGrant extends Row {
  [column: string]: unknown;
  grant_id: string | null;
  grant_payload: AdapterPayload | null;
  grant_consumed_at: Date | null;
}

const live = (table = '') => `(${table}expires_at IS NULL OR ${table}expires_at > now())`;
const LIVE = live();

// A grant's id_hash worked out in SQL from a token row's grant_id: SHA-256, base64url,
// as sha256() in common/hash.ts (PostgreSQL 11+ and PGlite alike).
const GRANT_HASH = "rtrim(translate(encode(sha256(convert_to(t.grant_id, 'UTF8')), 'base64'), '+/', '-_'), '=')";
// date_part, not EXTRACT(… FROM …): a FROM here would be read as the statement's table by
// the store-call metrics (ops/instrument-stores.ts), which label each query by its table.
const CONSUMED_AGO = (t = '') => `, date_part('epoch', now() - ${t}consumed_at)::float8 AS consumed_ago`;
/** A token with its grant, and the rows `along` adds (read-ahead.ts). */
const findWithGrant = (along: readonly ReadAlong[], age: string) => `SELECT t.payload, t.consumed_at${age}, t.grant_id, g.payload AS grant_payload, g.consumed_at AS grant_consumed_at
  ${along.map((a) => `, ${a.columns}`).join('')}
  FROM oidc_models t LEFT JOIN oidc_models g ON g.model = 'Grant' AND g.id_hash = ${GRANT_HASH} AND ${live('g.')}
  ${along.map((a) => a.join).join('\n  ')}
  WHERE t.model = $1 AND t.id_hash = $2 AND ${live('t.')}`;

/**
 * Remembers, briefly, ids that were looked up and not found. oidc-provider looks every
 * introspected or presented access token up as a refresh token too, which would cost a
 * SQL query per introspection. Safe because ids are 256-bit random: an id that was
 * presented before it existed can only come into existence by collision; an upsert in
 * this process forgets the entry anyway.
 */
function createMissCache(seconds: number, clock: Clock, max = 50_000) {
  const misses = new Map<string, number>();
  return {
    has(hash: string): boolean {
      const until = misses.get(hash);
      if (until === undefined) return false;
      if (until > clock().getTime()) return true;
      misses.delete(hash);
      return false;
    },
    add(hash: string): void {
      if (misses.size >= max) misses.clear();
      misses.set(hash, clock().getTime() + seconds * 1000);
    },
    forget(hash: string): void {
      misses.delete(hash);
    },
  };
}

/** Durable oidc-provider models in the one `oidc_models` table (see migrations/001). */
export interface SqlAdapterOptions {
  missCacheSeconds?: number;
  clock?: Clock;
  /** Defers a refresh token's consume and its successor to one commit (rotation-commit.ts). */
  rotation?: RotationWrites;
  /** Rows read ahead in a request; shared by every SQL model adapter (read-ahead.ts). */
  readAhead?: ReadAhead;
  /**
   * A find of this model reads its grant in the same statement, for the engine's next
   * lookup: the refresh grant reads the token, then its grant (and `readAlong`'s rows).
   */
  grantAhead?: boolean;
  readAlong?: readonly ReadAlong[];
  /**
   * In a token request (`rotation.reusedWithinGrace`), a token consumed less than this many
   * seconds ago is not found (LATCHKEY_REFRESH_REUSE_GRACE_SECONDS): the refresh grant then
   * answers invalid_grant without revoking the grant, as it does for a token it finds
   * consumed. Revocation and introspection still find it (a revocation revokes the grant).
   */
  reuseGraceSeconds?: number;
}

export function createSqlAdapter(db: Db, model: string, options: SqlAdapterOptions = {}): Adapter {
  const misses = options.missCacheSeconds ? createMissCache(options.missCacheSeconds, options.clock ?? systemClock) : undefined;
  const grace = options.reuseGraceSeconds ?? 0;
  function revive(row: Row | undefined, jti: string): AdapterPayload | undefined {
    if (!row) return undefined;
    // The row is this lookup's own (parsed from this query's answer, or read ahead for it alone).
    return revivedPayload(row.payload, jti, row.consumed_at ? Math.floor(row.consumed_at.getTime() / 1000) : undefined);
  }

  const { readAhead } = options;
  const along = options.readAlong ?? [];
  // The token's age is read only where a reuse grace asks for it.
  const age = (t?: string) => (grace ? CONSUMED_AGO(t) : '');
  const plain = `SELECT payload, consumed_at${age()} FROM oidc_models WHERE model = $1 AND id_hash = $2 AND ${LIVE}`;
  const withGrant = findWithGrant(along, age('t.'));
  async function findRow(hash: string): Promise<Row | undefined> {
    if (!options.grantAhead || !readAhead?.active) {
      const { rows } = await db.query<Row>(plain, [model, hash]);
      return rows[0];
    }
    const { rows } = await db.query<WithGrant>(withGrant, [model, hash]);
    const row = rows[0];
    if (row?.grant_id) {
      const grant = row.grant_payload ? { payload: row.grant_payload, consumed_at: row.grant_consumed_at } : undefined;
      readAhead.keep('Grant', row.grant_id, revive(grant, row.grant_id) ?? null);
    }
    if (row) {
      for (const a of along) {
        const id = a.idOf(row);
        if (id) readAhead.keep(a.kind, id, a.rowOf(row));
      }
    }
    return row;
  }

  return {
    async upsert(id, payload, expiresIn) {
      misses?.forget(sha256(id));
      readAhead?.drop(model, id);
      // The successor of a refresh token rotated in this request waits for the rotation's commit.
      if (options.rotation?.defer(model, id, payload, expiresIn)) return;
      await upsertModel(db, model, id, payload, expiresIn);
    },

    async find(id) {
      const ahead = readAhead?.take<AdapterPayload>(model, id);
      if (ahead !== undefined) return ahead ?? undefined;
      const hash = sha256(id);
      if (misses?.has(hash)) return undefined;
      const row = await findRow(hash);
      if (!row) misses?.add(hash);
      if (grace && row?.consumed_ago != null && row.consumed_ago < grace && options.rotation?.reusedWithinGrace(row.payload, hash)) return undefined;
      return revive(row, id);
    },

    async findByUid(uid) {
      const { rows } = await db.query<Row>(
        `SELECT payload, consumed_at FROM oidc_models WHERE model = $1 AND uid = $2 AND ${LIVE} LIMIT 1`,
        [model, uid],
      );
      // The real id exists only as a hash. oidc-provider reads sessions found by uid
      // (account and grant checks) and never saves them, so a placeholder jti is safe.
      return revive(rows[0], `uid:${uid}`);
    },

    async findByUserCode() {
      return undefined;
    },

    async consume(id) {
      readAhead?.drop(model, id);
      // In a rotation (rotation-commit.ts) the mark is written with the successor, at the end.
      if (options.rotation?.claim(model, id)) return;
      if (!(await consumeModel(db, model, sha256(id)))) throw new errors.InvalidGrant(`${model} already consumed`);
    },

    async destroy(id) {
      readAhead?.drop(model, id);
      await db.query('DELETE FROM oidc_models WHERE model = $1 AND id_hash = $2', [model, sha256(id)]);
    },

    async revokeByGrantId(grantId) {
      readAhead?.drop(model, grantId); // a grant's own row carries its id as grant_id
      await db.query('DELETE FROM oidc_models WHERE model = $1 AND grant_id = $2', [model, grantId]);
    },
  };
}

const COLUMNS = '(model, id_hash, payload, grant_id, uid, account_id, expires_at)';
const REPLACE = `ON CONFLICT (model, id_hash) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
  uid = EXCLUDED.uid, account_id = EXCLUDED.account_id, expires_at = EXCLUDED.expires_at`;

/** The values of COLUMNS for one model instance ($1 … $7). */
function rowValues(model: string, id: string, payload: AdapterPayload, expiresIn: number | undefined): unknown[] {
  return [
    model,
    sha256(id),
    JSON.stringify(storablePayload(payload)),
    // A grant's own id goes in grant_id too, so revoking it (account page) finds its
    // tokens; a grant id is no credential, and token rows hold it in the clear already.
    payload.grantId ?? (model === 'Grant' ? id : null),
    payload.uid ?? null,
    payload.accountId ?? null,
    expiresAt(expiresIn),
  ];
}

/** Writes one model instance (insert or replace). */
export async function upsertModel(db: Db, model: string, id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void> {
  await db.query(`INSERT INTO oidc_models ${COLUMNS} VALUES ($1, $2, $3, $4, $5, $6, $7) ${REPLACE}`, rowValues(model, id, payload, expiresIn));
}

/**
 * Marks the instance `usedHash` used and writes its successor, in one statement: both
 * or neither. False when it was used already (or is
 * gone): then nothing is written. Of parallel rotations of one instance exactly one
 * flips consumed_at (the others wait on its row lock, then find it set).
 */
export async function rotateModel(db: Db, model: string, usedHash: string, id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<boolean> {
  const { rowCount } = await db.query(
    `WITH used AS (UPDATE oidc_models SET consumed_at = now() WHERE model = $1 AND id_hash = $8 AND consumed_at IS NULL RETURNING 1)
     INSERT INTO oidc_models ${COLUMNS} SELECT $1, $2, $3::jsonb, $4, $5, $6, $7::timestamptz FROM used ${REPLACE}`,
    [...rowValues(model, id, payload, expiresIn), usedHash],
  );
  return rowCount > 0;
}

/**
 * Marks one instance used; false when it was used already (or is gone). Atomic: of any
 * number of parallel redemptions exactly one flips consumed_at.
 */
export async function consumeModel(db: Db, model: string, idHash: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE oidc_models SET consumed_at = now() WHERE model = $1 AND id_hash = $2 AND consumed_at IS NULL`,
    [model, idHash],
  );
  return rowCount > 0;
}

/** Deletes expired durable rows; returns how many. Run periodically (see main.ts). */
export async function sweepExpired(db: Db): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM oidc_models WHERE expires_at <= now()');
  return rowCount;
}
