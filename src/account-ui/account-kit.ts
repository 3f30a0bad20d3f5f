import { bodyParser } from '@koa/bodyparser';
import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { AccountModels } from '../adapters/account-models.js';
import type { AccountsRepo } from '../accounts/accounts-repo.js';
import type { DeviceAccount } from '../accounts/device-token.js';
import { describeDevice } from '../common/device.js';
import type { PasswordLogin } from '../accounts/password-login.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../common/clock.js';
import type { Db } from '../storage/db.js';
import type { Mailer } from '../mail/mailer.js';
import { renderPage } from '../pages/render.js';
import type { PasskeysRepo } from '../passkeys/passkeys-repo.js';
import type { SessionEnding } from '../provider/session-ending.js';
import type { SignedIn, SignedInGuard } from './signed-in.js';

/** What the account route groups beside the passkeys (sessions, apps, password, deletion) use. */
export interface AccountRouteDeps {
  provider: Provider;
  db: Db;
  accounts: AccountsRepo;
  passkeys: PasskeysRepo;
  models: AccountModels;
  ending: SessionEnding;
  /** Checks the current password with the sign-in's lockout budget. */
  passwordLogin: PasswordLogin;
  mailer: Mailer;
  audit: AuditLog;
  clock: Clock;
  guard: SignedInGuard;
  /**
   * Remembers the account on this browser with its new password (interactions/device-cookie.ts
   * `rememberBrowser`, handed in by app.ts): a change makes every browser a stranger.
   */
  rememberBrowser: (ctx: Context, account: DeviceAccount) => void;
}

export type AccountRouter = Router;

export const formBody = () => bodyParser({ enableTypes: ['form'], formLimit: '8kb' });

export function who(ctx: Context): SignedIn {
  return ctx.state.who as SignedIn;
}

/** The success messages of the account page, by the `done` query value a change redirects with. */
export const DONE_NOTICES: Readonly<Record<string, string>> = {
  'session-ended': 'The session was ended: that device is signed out.',
  'others-ended': 'Your other sessions were ended: every other device is signed out.',
  'app-revoked': 'The app no longer has access to your account.',
  'password-changed': 'Your password was changed. Your other sessions were signed out.',
  'password-set': 'Your password was set. Your other sessions were signed out.',
  'profile-updated': 'Your name was saved.',
  'api-key-revoked': 'The API key was revoked: it can no longer get tokens.',
};

/** After a change: back to the account page, which shows what happened (POST → 303 → GET). */
export function doneRedirect(ctx: Context, done: keyof typeof DONE_NOTICES & string): void {
  ctx.status = 303;
  ctx.redirect(`/account?done=${done}`);
}

/** Where a change came from, for the owner's mail (templates.ts MailContext). */
export function mailContext(ctx: Context, account: { name: string }) {
  return { name: account.name, device: describeDevice(ctx.get('user-agent')), ip: ctx.ip };
}

/** Confirmation before a destructive action: a page whose one form does it. */
export async function confirmPage(
  ctx: Context,
  page: { title: string; message: string; action: string; button: string; detail?: string },
): Promise<void> {
  await renderPage(ctx, 'account-confirm', page);
}
