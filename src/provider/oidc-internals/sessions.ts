import type Provider from 'oidc-provider';
import type { Interaction, KoaContextWithOIDC } from 'oidc-provider';
import { factorsOfSession, type Factor } from '../assurance.js';
import { isIdle, metaAtSignIn, metaOfSession, needsTouch, type SessionMeta } from '../session-meta.js';

/**
 * Latchkey's own fields on the engine's Session (factors, meta), its lifetime and the
 * views of it Latchkey reads. Part of the engine-reaching code (oidc-internals.ts).
 */

/** What Latchkey reads of a Latchkey session. */
export interface SessionView {
  uid: string;
  accountId: string;
  acr?: string;
  /** The verified factors, each with its own time (assurance.ts `factorsOfSession`). */
  factors: Factor[];
  /** Device, address, created and last-seen times (session-meta.ts). */
  meta?: SessionMeta;
}

interface EngineSession {
  uid?: string;
  accountId?: string;
  acr?: string;
  factors?: unknown;
  meta?: unknown;
  loginTs?: number;
  exp?: number;
  persist(): Promise<unknown>;
  destroy(): Promise<void>;
  save(ttl: number): Promise<unknown>;
}

/** Adds Latchkey's own fields to the ones the engine saves with a Session. */
function keepInSessionPayload(provider: Provider, field: string): void {
  const Session = provider.Session as unknown as { IN_PAYLOAD: string[] };
  const fields = Session.IN_PAYLOAD;
  if (!fields.includes(field)) Object.defineProperty(Session, 'IN_PAYLOAD', { value: [...fields, field] });
}

/**
 * Keeps each verified factor with its own time on the session, beside the engine's
 * single `loginTs`, so a step-up carries the password factor at the time it was
 * verified and freshness is judged per factor. The engine saves only the payload
 * fields its Session model lists, so `factors` is added to that list; the login result
 * written by interactions/finish.ts carries them in `login.factors`, and the
 * `interaction.ended` event fires right after the engine applied that result.
 */
export function keepSessionFactors(provider: Provider): void {
  keepInSessionPayload(provider, 'factors');
  provider.on('interaction.ended', (ctx: KoaContextWithOIDC) => {
    const login = (ctx.oidc.result as { login?: { factors?: Factor[] } } | undefined)?.login;
    const session = ctx.oidc.session as unknown as EngineSession | undefined;
    if (!login || !session) return;
    if (login.factors) session.factors = login.factors;
    else delete session.factors;
  });
}

/**
 * At the engine's resume of a finished sign-in: the password version its password check
 * saw (interactions/finish.ts puts it in the login result), else undefined. Any other
 * request: undefined.
 */
export function resumedPasswordVersion(ctx: KoaContextWithOIDC): number | undefined {
  if (ctx.oidc?.route !== 'resume') return undefined;
  const version = (ctx.oidc.result as { login?: { passwordVersion?: unknown } } | undefined)?.login?.passwordVersion;
  return typeof version === 'number' ? version : undefined;
}

/**
 * Drops the session this request signed in, unsaved: the engine saves a changed session
 * at the end of every request, errors included, unless it is marked destroyed. Marked
 * only, with no store call, so nothing here can fail and leave it saved; the id it would
 * have been saved under was never stored.
 */
export function discardSignedInSession(ctx: KoaContextWithOIDC): void {
  const session = ctx.oidc?.session as unknown as { destroyed?: boolean } | undefined;
  if (session) session.destroyed = true;
}

export interface SessionMetaOptions {
  /** Latchkey's clock: created, last-seen and idle decisions. */
  now: () => number;
  /** LATCHKEY_SESSION_IDLE_SECONDS; undefined: no idle lifetime. */
  idleSeconds: number | undefined;
  /** Called once the first save of a newly signed-in session is done (the session limit). */
  onSignedIn(session: { accountId: string; uid: string }): Promise<void>;
}

/**
 * Keeps `meta` (device, address, created, last seen: session-meta.ts) on the session,
 * the same way as `factors`:
 *
 * - written when a sign-in finishes (`interaction.ended`, right after the engine
 *   applied the login result); a step-up on the same session keeps its creation time;
 * - every lookup of a session by its cookie (`Session.find`, which the engine's
 *   `Session.get` and the account page use) treats a session idle for longer than
 *   `idleSeconds` as absent — the engine then starts an empty one, so the next /auth
 *   shows the sign-in page — and deletes it; lookups by uid (a step-up's origin
 *   session, refresh tokens that expire with the session) see it as absent too;
 * - the last-seen time is written at most once per TOUCH_SECONDS, keeping the
 *   session's expiry (`persist`), so hot paths cost no write;
 * - after the first save of a newly signed-in session, `onSignedIn` runs (awaited, before
 *   the response is sent) and may end the account's oldest sessions.
 */
export function keepSessionMeta(provider: Provider, options: SessionMetaOptions): void {
  keepInSessionPayload(provider, 'meta');
  const newlySignedIn = new Set<string>();

  provider.on('interaction.ended', (ctx: KoaContextWithOIDC) => {
    const login = (ctx.oidc.result as { login?: unknown } | undefined)?.login;
    const session = ctx.oidc.session as unknown as EngineSession | undefined;
    if (!login || !session?.uid) return;
    const previous = metaOfSession(session.meta);
    session.meta = metaAtSignIn(previous, { userAgent: ctx.get('user-agent'), ip: ctx.ip }, options.now());
    if (!previous) {
      // Taken out again by the save at the end of this request; a request that fails
      // before saving leaves its uid, so the set is bounded rather than trusted to drain.
      if (newlySignedIn.size >= 10_000) newlySignedIn.clear();
      newlySignedIn.add(session.uid);
    }
  });

  const Session = provider.Session as unknown as {
    find(id: string, opts?: object): Promise<EngineSession | undefined>;
    findByUid(uid: string): Promise<EngineSession | undefined>;
    prototype: EngineSession;
  };
  const engineFind = Session.find.bind(Session);
  const engineFindByUid = Session.findByUid.bind(Session);
  const engineSave = Session.prototype.save;

  const idle = (session: EngineSession) =>
    Boolean(session.accountId) && isIdle(metaOfSession(session.meta), session.loginTs, options.idleSeconds, options.now());

  Object.defineProperty(Session, 'find', {
    configurable: true,
    writable: true,
    async value(id: string, opts?: object) {
      const session = await engineFind(id, opts);
      if (!session) return undefined;
      if (idle(session)) {
        await session.destroy();
        return undefined;
      }
      const meta = metaOfSession(session.meta);
      const now = options.now();
      // `persist` keeps the engine's `exp` (engine time); a session in its last second is left alone.
      if (meta && needsTouch(meta, now) && typeof session.exp === 'number' && session.exp - Math.floor(Date.now() / 1000) > 1) {
        session.meta = { ...meta, lastSeenAt: now };
        await session.persist();
      }
      return session;
    },
  });
  Object.defineProperty(Session, 'findByUid', {
    configurable: true,
    writable: true,
    async value(uid: string) {
      const session = await engineFindByUid(uid);
      // Found by uid the real id is unknown (a placeholder): never saved or destroyed here.
      return session && !idle(session) ? session : undefined;
    },
  });
  Session.prototype.save = async function save(this: EngineSession, ttl: number) {
    const saved = await engineSave.call(this, ttl);
    if (this.uid && this.accountId && newlySignedIn.delete(this.uid)) {
      await options.onSignedIn({ accountId: this.accountId, uid: this.uid });
    }
    return saved;
  };
}

/**
 * The engine's session lifetime (`ttl.Session`) made absolute: the engine saves a
 * session on every request that uses it with the full TTL, which would slide its end
 * forever. This counts from the session's first save (`iat`) instead. Engine time
 * (epoch seconds of the system clock): the engine checks `exp` against it.
 */
export function absoluteSessionTtl(seconds: number) {
  return (_ctx: unknown, session: { iat?: number }): number => {
    if (typeof session.iat !== 'number') return seconds;
    return Math.max(1, session.iat + seconds - Math.floor(Date.now() / 1000));
  };
}

function view(session: EngineSession | undefined): SessionView | undefined {
  if (!session?.uid || !session.accountId) return undefined;
  const meta = metaOfSession(session.meta);
  return {
    uid: session.uid,
    accountId: session.accountId,
    ...(session.acr ? { acr: session.acr } : {}),
    factors: factorsOfSession(session.factors),
    ...(meta ? { meta } : {}),
  };
}

/** The browser's Latchkey session on one of Latchkey's own pages (account page), if signed in. */
export async function sessionOfRequest(provider: Provider, ctx: Parameters<Provider['Session']['get']>[0]): Promise<SessionView | undefined> {
  return view((await provider.Session.get(ctx)) as unknown as EngineSession);
}

/** The session an interaction runs on top of (a step-up or max_age re-check), if any. */
export async function sessionOfInteraction(provider: Provider, interaction: Interaction): Promise<SessionView | undefined> {
  const uid = interaction.session?.uid;
  if (!uid) return undefined;
  return view((await provider.Session.findByUid(uid)) as unknown as EngineSession | undefined);
}

/**
 * The Latchkey session with this uid, if it is still live (not ended, expired or idle):
 * the admin console's session lives only as long as the sign-in it came from.
 */
export async function sessionByUid(provider: Provider, uid: string): Promise<SessionView | undefined> {
  return view((await provider.Session.findByUid(uid)) as unknown as EngineSession | undefined);
}
