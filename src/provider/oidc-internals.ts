import type Provider from 'oidc-provider';
import type { Client, FindAccount, Interaction, KoaContextWithOIDC } from 'oidc-provider';
import { factorsOfSession, type Factor } from './assurance.js';

/**
 * The only module allowed to reach inside oidc-provider: prototype overrides, payload
 * fields the engine does not know, and casts against its types. An engine upgrade has
 * this one file to check (a layering test keeps such casts out of every other file).
 */

/** What Latchkey reads of a Latchkey session. */
export interface SessionView {
  uid: string;
  accountId: string;
  acr?: string;
  /** The verified factors, each with its own time (assurance.ts `factorsOfSession`). */
  factors: Factor[];
}

interface EngineSession {
  uid?: string;
  accountId?: string;
  acr?: string;
  factors?: unknown;
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
  const Session = provider.Session as unknown as { IN_PAYLOAD: string[] };
  const fields = Session.IN_PAYLOAD;
  if (!fields.includes('factors')) Object.defineProperty(Session, 'IN_PAYLOAD', { value: [...fields, 'factors'] });
  provider.on('interaction.ended', (ctx: KoaContextWithOIDC) => {
    const login = (ctx.oidc.result as { login?: { factors?: Factor[] } } | undefined)?.login;
    const session = ctx.oidc.session as unknown as EngineSession | undefined;
    if (!login || !session) return;
    if (login.factors) session.factors = login.factors;
    else delete session.factors;
  });
}

function view(session: EngineSession | undefined): SessionView | undefined {
  if (!session?.uid || !session.accountId) return undefined;
  return { uid: session.uid, accountId: session.accountId, ...(session.acr ? { acr: session.acr } : {}), factors: factorsOfSession(session.factors) };
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
 * Replaces the engine's plain comparison with the stored `client_secret`: Latchkey keeps
 * only SHA-256 hashes, several per client during a rotation (clients/secrets.ts). The
 * engine calls `compareClientSecret` for client_secret_basic and client_secret_post.
 */
export function replaceClientSecretCheck(provider: Provider, verify: (clientId: string, secret: string) => Promise<boolean>): void {
  provider.Client.prototype.compareClientSecret = async function compareClientSecret(this: Client, actual: string) {
    return verify(this.clientId, actual);
  };
}

/**
 * The extra claims a token carries (set by extraTokenClaims). Not every token kind that
 * findAccount receives is typed with `extra`; those without it give {}.
 */
export function tokenExtra(token: Parameters<FindAccount>[2]): Record<string, unknown> {
  return token && 'extra' in token && token.extra ? token.extra : {};
}

interface EngineRouter {
  match(method: string, path: string): unknown;
}

// The engine keeps its router in its private per-provider store, readable only through
// this helper module; the specifier is a variable so the untyped module needs no declaration.
const ENGINE_STORE = 'oidc-provider/lib/helpers/weak_cache.js';
const engineStore = ((await import(ENGINE_STORE)) as { default: (provider: Provider) => { router?: EngineRouter } | undefined }).default;

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * The methods the engine's own routes answer on `path` (empty when it has no route
 * there), for the `Allow` header of a 405 (RFC 9110 §15.5.6). Read from the engine's
 * router, so it follows the enabled features and the configured routes.
 */
export function engineMethods(provider: Provider, path: string): string[] {
  const router = engineStore(provider)?.router;
  if (!router) throw new Error('oidc-provider keeps its router elsewhere: update engineMethods for this engine version');
  return METHODS.filter((method) => router.match(method, path) !== undefined);
}
