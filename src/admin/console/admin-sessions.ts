import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { epochSeconds, type Clock } from '../../common/clock.js';
import { sha256 } from '../../common/hash.js';
import type { EphemeralKv } from '../../storage/ephemeral-store.js';

/**
 * The admin console's own sessions, separate from the Latchkey session: an admin
 * session can do anything, so it is short (idle and absolute lifetimes), lives only
 * server-side in the ephemeral store under the SHA-256 of its cookie value (a store dump
 * holds no usable cookie), and ends on its own without touching the person's sign-in
 * to other apps. Times are on Latchkey's clock (tests move it); the store's own expiry
 * only cleans up after them.
 */
export interface AdminSession {
  accountId: string;
  /** The Latchkey session the console's sign-in was made in: when it ends, so does this one. */
  sessionUid: string;
  acr: string;
  amr: string[];
  /** Seconds since the epoch: when the console's sign-in was made, and last used. */
  createdAt: number;
  lastSeenAt: number;
}

const stored = z.object({
  accountId: z.string(),
  sessionUid: z.string(),
  acr: z.string(),
  amr: z.array(z.string()),
  createdAt: z.number(),
  lastSeenAt: z.number(),
});

export interface AdminSessionOptions {
  kv: EphemeralKv;
  clock: Clock;
  /** LATCHKEY_ADMIN_IDLE_SECONDS: unused this long, the session ends. */
  idleSeconds: number;
  /** LATCHKEY_ADMIN_TTL_SECONDS: the session ends this long after the sign-in, used or not. */
  ttlSeconds: number;
}

// Last-seen is written at most this often, so a page with several requests costs one write.
const TOUCH_SECONDS = 10;

export function createAdminSessions({ kv, clock, idleSeconds, ttlSeconds }: AdminSessionOptions) {
  const keyOf = (token: string) => sha256(token);
  const storeFor = (session: AdminSession, now: number) => Math.max(1, Math.min(idleSeconds, session.createdAt + ttlSeconds - now));

  return {
    /** A new session; the returned token is the cookie value, shown to nobody else. */
    async start(login: { accountId: string; sessionUid: string; acr: string; amr: string[] }): Promise<{ token: string; session: AdminSession }> {
      const now = epochSeconds(clock);
      const token = randomBytes(32).toString('base64url');
      const session: AdminSession = { ...login, createdAt: now, lastSeenAt: now };
      await kv.put(keyOf(token), JSON.stringify(session), storeFor(session, now));
      return { token, session };
    },

    /** The live session of a cookie value; an idle, expired or unknown one is none (and is removed). */
    async find(token: string | undefined): Promise<AdminSession | undefined> {
      if (!token || token.length > 100) return undefined;
      const key = keyOf(token);
      const raw = await kv.get(key);
      if (!raw) return undefined;
      const parsed = stored.safeParse(JSON.parse(raw));
      const now = epochSeconds(clock);
      if (!parsed.success || now - parsed.data.lastSeenAt > idleSeconds || now - parsed.data.createdAt > ttlSeconds) {
        await kv.take(key);
        return undefined;
      }
      const session = parsed.data;
      if (now - session.lastSeenAt >= TOUCH_SECONDS) {
        session.lastSeenAt = now;
        await kv.put(key, JSON.stringify(session), storeFor(session, now));
      }
      return session;
    },

    async end(token: string | undefined): Promise<void> {
      if (token && token.length <= 100) await kv.take(keyOf(token));
    },
  };
}

export type AdminSessions = ReturnType<typeof createAdminSessions>;
