import type { Context } from 'koa';
import type { PasswordPolicy } from '../accounts/password-policy.js';
import { createSessionEnding } from '../provider/session-ending.js';
import { DONE_NOTICES, type AccountRouteDeps, type AccountRouter } from './account-kit.js';
import { changePasswordRoutes } from './change-password.js';
import { appRows, connectedAppRoutes } from './connected-apps.js';
import { deleteAccountRoutes } from './delete-account.js';
import { profileRoutes } from './profile.js';
import { ACR_TEXT, sessionRoutes, sessionRows } from './sessions.js';
import type { SignedIn } from './signed-in.js';

/** A time as the page shows it: minutes, in UTC, said so. */
export function when(date: Date | undefined): string {
  return date ? `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'unknown';
}

export type LifecycleDeps = Omit<AccountRouteDeps, 'ending'> & { passwordPolicy: PasswordPolicy; idleSeconds: number | undefined };

/**
 * The account page's route groups beside the passkeys: sessions, connected apps, the
 * password and deleting the account. Registers them on the account router and returns
 * what the account page shows of them.
 */
export function accountLifecycle(router: AccountRouter, deps: LifecycleDeps) {
  const full: AccountRouteDeps & LifecycleDeps = { ...deps, ending: createSessionEnding({ provider: deps.provider, models: deps.models, audit: deps.audit }) };
  profileRoutes(router, full);
  sessionRoutes(router, full);
  connectedAppRoutes(router, full);
  changePasswordRoutes(router, full);
  deleteAccountRoutes(router, full);

  return {
    /** The sessions, apps and password state for the account page, and the success message of the last change. */
    async overview(ctx: Context, me: SignedIn) {
      const done = typeof ctx.query.done === 'string' ? ctx.query.done : undefined;
      return {
        sessionList: await sessionRows(full, me),
        appList: await appRows(full, me.account.id),
        hasPassword: Boolean(me.account.passwordHash),
        done: done && Object.hasOwn(DONE_NOTICES, done) ? DONE_NOTICES[done] : undefined,
        when,
        acrText: ACR_TEXT,
      };
    },
  };
}
