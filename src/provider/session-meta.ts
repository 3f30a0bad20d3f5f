import { z } from 'zod';

/**
 * What Latchkey keeps about a session besides the engine's own fields, for the sessions
 * list and the idle lifetime. Stored in the Session payload as `meta` (oidc-internals.ts
 * `keepSessionMeta`); times are seconds since the epoch by Latchkey's clock.
 */
export interface SessionMeta {
  /** When this session was first signed in. */
  createdAt: number;
  /** When it was last used, written at most once per TOUCH_SECONDS. */
  lastSeenAt: number;
  /** The sign-in's User-Agent header, cut to MAX_USER_AGENT characters. */
  userAgent: string;
  /** The client address at the sign-in (or the latest use). */
  ip: string;
}

/** Last-seen times are written at most once a minute per session, so a busy session costs no writes. */
export const TOUCH_SECONDS = 60;

/** Enough for any real browser's User-Agent; longer ones are cut, not refused. */
export const MAX_USER_AGENT = 512;

const storedMeta = z.object({
  createdAt: z.number().int(),
  lastSeenAt: z.number().int(),
  userAgent: z.string().max(MAX_USER_AGENT),
  ip: z.string().max(64),
});

/** The meta a session holds, or undefined (a session from before meta was kept, or a damaged payload). */
export function metaOfSession(stored: unknown): SessionMeta | undefined {
  const parsed = storedMeta.safeParse(stored);
  return parsed.success ? parsed.data : undefined;
}

/** The meta written when a sign-in finishes: a re-sign-in or step-up keeps the creation time. */
export function metaAtSignIn(previous: SessionMeta | undefined, request: { userAgent: string; ip: string }, now: number): SessionMeta {
  return {
    createdAt: previous?.createdAt ?? now,
    lastSeenAt: now,
    userAgent: request.userAgent.slice(0, MAX_USER_AGENT),
    ip: request.ip.slice(0, 64),
  };
}

/**
 * Whether a session has gone unused longer than the idle lifetime (NIST SP 800-63B-4
 * §5.2 / OWASP ASVS 5.0 V7.3.1: an inactivity timeout beside the absolute one). A
 * session without meta is judged by `fallbackLastSeen` (its login time), so an old
 * session cannot escape the rule.
 */
export function isIdle(meta: SessionMeta | undefined, fallbackLastSeen: number | undefined, idleSeconds: number | undefined, now: number): boolean {
  if (!idleSeconds) return false;
  const last = meta?.lastSeenAt ?? fallbackLastSeen;
  if (last === undefined) return true;
  return now - last > idleSeconds;
}

/** Whether the last-seen time is old enough to be written again. */
export function needsTouch(meta: SessionMeta | undefined, now: number): boolean {
  return meta !== undefined && now - meta.lastSeenAt >= TOUCH_SECONDS;
}
