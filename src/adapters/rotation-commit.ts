import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db } from '../storage/db.js';
import { sha256 } from '../common/hash.js';
import type { AdapterPayload } from './adapter.js';
import { consumeModel, upsertModel } from './sql-adapter.js';

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
 * the same token win, whenever each of them started.
 */
export interface RotationWrites {
  /** In a rotation: remembers that `id` is to be marked used at the commit (true). Outside one: false. */
  claim(model: string, id: string): boolean;
  /** After a claim in this rotation: holds the write for the commit (true). Otherwise false. */
  defer(model: string, id: string, payload: AdapterPayload, expiresIn: number | undefined): boolean;
}

interface Pending {
  claims: { model: string; idHash: string }[];
  writes: { model: string; id: string; payload: AdapterPayload; expiresIn: number | undefined }[];
}

export interface Rotation {
  /** Whether the request marked a token used (a rotation waits for `commit`). */
  readonly pending: boolean;
  /**
   * Writes the rotation in one transaction: true when done (or nothing was pending),
   * false when another request used the token first (nothing is written then). A store
   * failure rejects, and nothing is written either.
   */
  commit(): Promise<boolean>;
}

export interface RotationCommits extends RotationWrites {
  /** Runs `fn` (the engine's handling of one token request) with its rotation deferred. */
  run(fn: () => Promise<void>): Promise<Rotation>;
}

class LostRace extends Error {}

export function createRotationCommits(db: Db): RotationCommits {
  const current = new AsyncLocalStorage<Pending>();

  async function commit(pending: Pending): Promise<boolean> {
    if (!pending.claims.length) return true;
    try {
      await db.transaction(async (tx) => {
        for (const { model, idHash } of pending.claims) {
          if (!(await consumeModel(tx, model, idHash))) throw new LostRace();
        }
        for (const w of pending.writes) await upsertModel(tx, w.model, w.id, w.payload, w.expiresIn);
      });
      return true;
    } catch (err) {
      if (err instanceof LostRace) return false;
      throw err;
    }
  }

  return {
    claim(model, id) {
      const pending = current.getStore();
      if (!pending) return false;
      pending.claims.push({ model, idHash: sha256(id) });
      return true;
    },
    defer(model, id, payload, expiresIn) {
      const pending = current.getStore();
      if (!pending?.claims.length) return false;
      pending.writes.push({ model, id, payload, expiresIn });
      return true;
    },
    async run(fn) {
      const pending: Pending = { claims: [], writes: [] };
      await current.run(pending, fn);
      return {
        get pending() {
          return pending.claims.length > 0;
        },
        commit: () => commit(pending),
      };
    },
  };
}
