import type { Db } from '../storage/db.js';
import { sha256 } from '../common/hash.js';
import type { AdapterPayload } from './adapter.js';
import { consumeModel, rotateModel } from './sql-adapter.js';

/**
 * Refresh-token rotation as one commit. The engine's refresh grant marks the old token
 * used, saves its successor (both Postgres), then saves the access token (Redis) and
 * signs the ID token. Written as they come, a failure after the first write (Redis or
 * Postgres going away) leaves the old token used while the client never saw the new
 * one: its retry looks like a replay and revokes the grant (RFC 9700 §4.14.2), signing
 * the user out over a store outage.
 *
 * So within a token request both writes wait, and are made together in one transaction
 * once the engine has built its answer (provider/refresh-rotation.ts calls `commit`).
 * A failure before or during that commit leaves the old token as it was; the atomic
 * "mark used if still unused" in the commit lets exactly one of several requests with
 * the same token win, whenever each of them started; the others are replays, and revoke
 * the grant, unless a reuse grace is set (provider/refresh-rotation.ts).
 */
export interface RotationWrites {
  /** In a rotation: remembers that `id` is to be marked used at the commit (true). Otherwise false. */
  claim(model: string, id: string): boolean;
  /** The successor of the token claimed in this rotation: held for the commit (true). Otherwise false. */
  defer(model: string, id: string, payload: AdapterPayload, expiresIn: number | undefined): boolean;
  /**
   * A used token found again within the reuse grace: in a token request (the only one
   * that can rotate), remembers it for the request's audit record and answers true (the
   * lookup then finds nothing). Otherwise false.
   */
  reusedWithinGrace(payload: AdapterPayload, idHash: string): boolean;
}

// One token used, one successor: the engine's refresh grant. Anything beyond that in a
// request is not deferred (written at once, as outside a rotation).
interface Pending {
  claim?: { model: string; idHash: string };
  successor?: { id: string; payload: AdapterPayload; expiresIn: number | undefined };
  graced?: { payload: AdapterPayload; idHash: string };
}

export type CommitResult = 'rotated' | 'used' | 'gone';

/** What a token request did with a refresh token, when it did anything. */
export interface TokenRequestOutcome {
  /**
   * When it marked a token used: writes the rotation in one transaction. `rotated` when
   * done; `used` when another request used the token first, `gone` when it was deleted
   * meanwhile (a sign-out, a revocation): nothing is written then. A store failure
   * rejects, and nothing is written either.
   */
  commit?: () => Promise<CommitResult>;
  /** When it presented a used token within the reuse grace: that token. */
  reusedWithinGrace?: AdapterPayload;
  /** The presented token's id hash (common/hash.ts). */
  idHash: string;
}

export interface RotationCommits extends RotationWrites {
  /**
   * Runs `fn` (the engine's handling of the token request `request`) with its rotation
   * deferred: what it did with a refresh token, else undefined.
   */
  run(request: object, fn: () => Promise<void>): Promise<TokenRequestOutcome | undefined>;
}

/** `currentRequest` finds the request the adapter is called for (provider/oidc-internals engineRequest). */
export function createRotationCommits(db: Db, currentRequest: () => object | undefined): RotationCommits {
  // Kept on the request itself, under a symbol of this instance's own: a WeakMap entry
  // made and dropped for every token request cost more than anything else here.
  const slot = Symbol('rotation');
  type Holder = { [slot]?: Pending | undefined };
  const current = () => (currentRequest() as Holder | undefined)?.[slot];

  async function commit(claim: NonNullable<Pending['claim']>, successor: Pending['successor']): Promise<CommitResult> {
    // In an explicit transaction although one statement: a statement sent to a server
    // that stopped answering waits in its socket and would still run (and commit) when it
    // goes on, after the client was told 503. Inside BEGIN … COMMIT, a statement that
    // times out is rolled back with the dropped connection; only a COMMIT in flight at
    // that moment remains undecided.
    const done = await db.transaction((tx) =>
      successor
        ? rotateModel(tx, claim.model, claim.idHash, successor.id, successor.payload, successor.expiresIn)
        : consumeModel(tx, claim.model, claim.idHash),
    );
    if (done) return 'rotated';
    // Only a lost commit asks: a replay, or a token deleted while this request ran.
    const { rowCount } = await db.query('SELECT 1 FROM oidc_models WHERE model = $1 AND id_hash = $2', [claim.model, claim.idHash]);
    return rowCount > 0 ? 'used' : 'gone';
  }

  return {
    claim(model, id) {
      const pending = current();
      if (!pending || pending.claim) return false;
      pending.claim = { model, idHash: sha256(id) };
      return true;
    },
    reusedWithinGrace(payload, idHash) {
      const pending = current();
      if (!pending) return false;
      pending.graced = { payload, idHash };
      return true;
    },
    defer(model, id, payload, expiresIn) {
      const pending = current();
      if (pending?.claim?.model !== model || pending.successor) return false;
      pending.successor = { id, payload, expiresIn };
      return true;
    },
    // Not async, and nothing made but the record: it wraps every token request, and
    // each promise or object of its own costs every one of them.
    run(request, fn) {
      const pending: Pending = {};
      const holder = request as Holder;
      holder[slot] = pending;
      let handled: Promise<void>;
      try {
        handled = fn();
      } catch (err) {
        holder[slot] = undefined;
        return Promise.reject(err as Error);
      }
      return handled.then(
        () => {
          holder[slot] = undefined;
          const { claim, successor, graced } = pending;
          if (claim) return { commit: () => commit(claim, successor), idHash: claim.idHash };
          return graced ? { reusedWithinGrace: graced.payload, idHash: graced.idHash } : undefined;
        },
        (err: unknown) => {
          holder[slot] = undefined;
          throw err;
        },
      );
    },
  };
}
