import type { Context } from 'koa';
import { describeDevice } from '../common/device.js';
import { epochSeconds } from '../common/clock.js';
import { AppError } from '../common/errors.js';
import { requireCsrf } from '../pages/csrf.js';
import { assuranceFor, factorsOfSession } from '../provider/assurance.js';
import { isIdle, metaOfSession } from '../provider/session-meta.js';
import { confirmPage, doneRedirect, formBody, who, type AccountRouteDeps, type AccountRouter } from './account-kit.js';
import type { SignedIn } from './signed-in.js';

/** One row of the sessions list. */
export interface SessionRow {
  uid: string;
  device: string;
  ip: string;
  createdAt: Date | undefined;
  lastSeenAt: Date | undefined;
  /** The strength this session reached (assurance.ts), as apps see it in `acr`. */
  acr: string;
  current: boolean;
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** What each acr means, as the list says it beside the value apps see. */
export const ACR_TEXT: Readonly<Record<string, string>> = { pwd: 'password', phr: 'passkey', phrh: 'attested hardware security key' };

const at = (seconds: number | undefined) => (typeof seconds === 'number' ? new Date(seconds * 1000) : undefined);

function sessionNotFound(): AppError {
  return new AppError('account.session_not_found', 'That session does not exist any more (or is not yours).', { status: 404 });
}

/** The account's live sessions, this device's first, then newest first. */
export async function sessionRows(deps: AccountRouteDeps & { idleSeconds: number | undefined }, signedIn: SignedIn): Promise<SessionRow[]> {
  const now = epochSeconds(deps.clock);
  const rows: SessionRow[] = [];
  for (const { uid, payload } of await deps.models.sessions(signedIn.account.id)) {
    const meta = metaOfSession(payload.meta);
    const loginTs = typeof payload.loginTs === 'number' ? payload.loginTs : undefined;
    // An idle session no longer signs in (oidc-internals.ts keepSessionMeta): not listed.
    if (isIdle(meta, loginTs, deps.idleSeconds, now)) continue;
    const factors = factorsOfSession(payload.factors);
    rows.push({
      uid,
      device: capitalised(describeDevice(meta?.userAgent)),
      ip: meta?.ip ?? 'unknown',
      createdAt: at(meta?.createdAt ?? loginTs),
      lastSeenAt: at(meta?.lastSeenAt),
      acr: factors.length ? assuranceFor(factors).acr : typeof payload.acr === 'string' ? payload.acr : 'unknown',
      current: uid === signedIn.sessionUid,
    });
  }
  return rows.sort((a, b) => Number(b.current) - Number(a.current));
}

/** /account/sessions: end one session, or every other one (each after a confirmation page). */
export function sessionRoutes(router: AccountRouter, deps: AccountRouteDeps): void {
  const { guard, models, ending } = deps;
  const form = formBody();

  async function othersOf(ctx: Context) {
    const me = who(ctx);
    return (await models.sessions(me.account.id)).filter((s) => s.uid !== me.sessionUid);
  }

  router.get('/sessions/others/end', guard.requireSignedIn, async (ctx) => {
    const count = (await othersOf(ctx)).length;
    await confirmPage(ctx, {
      title: 'End your other sessions',
      message: count
        ? `Sign out every other device (${count} ${count === 1 ? 'session' : 'sessions'})? This device stays signed in.`
        : 'You have no other sessions.',
      action: '/account/sessions/others/end',
      button: 'End other sessions',
    });
  });

  router.post('/sessions/others/end', guard.requireSignedIn, form, requireCsrf(), async (ctx) => {
    const me = who(ctx);
    await ending.endOtherSessions(me.account.id, me.sessionUid, { ip: ctx.ip });
    doneRedirect(ctx, 'others-ended');
  });

  router.get('/sessions/:uid/end', guard.requireSignedIn, async (ctx) => {
    const session = (await othersOf(ctx)).find((s) => s.uid === ctx.params.uid);
    if (!session) throw sessionNotFound();
    const meta = metaOfSession(session.payload.meta);
    await confirmPage(ctx, {
      title: 'End this session',
      message: `Sign out ${describeDevice(meta?.userAgent)}${meta ? ` (${meta.ip})` : ''}? Apps signed in through it lose access unless you let them stay signed in (offline access).`,
      action: `/account/sessions/${encodeURIComponent(session.uid)}/end`,
      button: 'End session',
    });
  });

  router.post('/sessions/:uid/end', guard.requireSignedIn, form, requireCsrf(), async (ctx) => {
    const me = who(ctx);
    const uid = String(ctx.params.uid);
    // This device signs out through the ordinary sign-out, which also tells the apps.
    if (uid === me.sessionUid) throw new AppError('account.current_session', 'To end this session, sign out.', { status: 400 });
    if (!(await ending.endSession(me.account.id, uid, { ip: ctx.ip }))) throw sessionNotFound();
    doneRedirect(ctx, 'session-ended');
  });
}
