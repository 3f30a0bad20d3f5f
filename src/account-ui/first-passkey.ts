import { z } from 'zod';
import { CODE_TTL_SECONDS } from '../accounts/one-time-codes.js';
import { epochSeconds, type Clock } from '../common/clock.js';
import { FRESH_SECONDS } from '../provider/assurance.js';
import type { EphemeralKv } from '../storage/ephemeral-store.js';

/** Where the account page's first-passkey step is: mail a code, type it, or create the passkey. */
export type FirstPasskeyStage = 'offer' | 'code' | 'create';

const mark = z.object({ accountId: z.string(), at: z.number().int() });

/**
 * The account page's record of the first-passkey proof (DESIGN.md "Binding"): that this
 * session mailed a code, and that the right code came back, each with its time and
 * account, in the ephemeral store keyed by the session — server-side, never a flag the
 * browser sends. A confirmation counts for FRESH_SECONDS and only for a code this
 * session asked for.
 */
export function firstPasskeyMarks(kv: EphemeralKv, clock: Clock) {
  async function read(key: string, accountId: string) {
    const raw = await kv.get(key);
    if (!raw) return undefined;
    const parsed = mark.safeParse(JSON.parse(raw));
    return parsed.success && parsed.data.accountId === accountId ? parsed.data : undefined;
  }
  const sentKey = (sessionUid: string) => `sent:${sessionUid}`;
  const proofKey = (sessionUid: string) => `proof:${sessionUid}`;

  return {
    async recordSent(sessionUid: string, accountId: string): Promise<void> {
      await kv.take(proofKey(sessionUid));
      await kv.put(sentKey(sessionUid), JSON.stringify({ accountId, at: epochSeconds(clock) }), CODE_TTL_SECONDS);
    },

    async wasSent(sessionUid: string, accountId: string): Promise<boolean> {
      const sent = await read(sentKey(sessionUid), accountId);
      return Boolean(sent && epochSeconds(clock) - sent.at <= CODE_TTL_SECONDS);
    },

    async recordProof(sessionUid: string, accountId: string): Promise<void> {
      await kv.take(sentKey(sessionUid));
      await kv.put(proofKey(sessionUid), JSON.stringify({ accountId, at: epochSeconds(clock) }), FRESH_SECONDS);
    },

    /** Seconds the confirmed code still counts for (0: none, or too old). */
    async proofLeft(sessionUid: string, accountId: string): Promise<number> {
      const proof = await read(proofKey(sessionUid), accountId);
      if (!proof) return 0;
      return Math.max(0, FRESH_SECONDS - (epochSeconds(clock) - proof.at));
    },

    async stage(sessionUid: string, accountId: string): Promise<FirstPasskeyStage> {
      if ((await this.proofLeft(sessionUid, accountId)) > 0) return 'create';
      return (await this.wasSent(sessionUid, accountId)) ? 'code' : 'offer';
    },
  };
}

export type FirstPasskeyMarks = ReturnType<typeof firstPasskeyMarks>;
