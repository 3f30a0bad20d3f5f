import type { Context } from 'koa';
import { describeDevice } from '../../../common/device.js';
import { AppError, isAppError } from '../../../common/errors.js';
import {
  createUser,
  removeUserPasskey,
  searchUsers,
  sendPasswordReset,
  setUserAdmin,
  setUserDisabled,
  signOutEverywhere,
  unlockUser,
  viewUser,
} from '../../service/index.js';
import { adminOf, renderAdmin } from '../render.js';
import { actorOf, doneRedirect, fieldErrorOf, noticeOf, param, text, ticked, type FieldError, type PageKit } from './kit.js';
import { confirmRoute } from './confirm.js';
import { userApiKeyPages, userApiKeyRows } from './user-api-keys.js';

const NOTICES: Record<string, string> = {
  created: 'The user was created.',
  invited: 'The user was created and an invitation to create a passkey was mailed to them.',
  disabled: 'The user was disabled: every session, grant and token of theirs ended.',
  enabled: 'The user was enabled: they can sign in again.',
  unlocked: 'Sign-in was unlocked for this user.',
  'signed-out': 'The user was signed out everywhere: every session and refresh token ended.',
  'reset-sent': 'A mail asking the user to choose a new password was sent.',
  'admin-granted': 'The user is now an administrator.',
  'admin-revoked': 'The user is no longer an administrator.',
  'passkey-removed': 'The passkey was removed. Its owner was told by mail.',
  'api-key-revoked': 'The API key was revoked: it no longer gets tokens, and the tokens it had ended.',
};

/** The user's one-button actions: what each calls, and the notice it leaves. */
const ACTIONS: Record<string, { done: string; run: (kit: PageKit, ctx: Context, id: string) => Promise<unknown> }> = {
  disable: { done: 'disabled', run: (kit, ctx, id) => setUserDisabled(kit.service, actorOf(ctx), id, true) },
  enable: { done: 'enabled', run: (kit, ctx, id) => setUserDisabled(kit.service, actorOf(ctx), id, false) },
  unlock: { done: 'unlocked', run: (kit, ctx, id) => unlockUser(kit.service, actorOf(ctx), id) },
  'sign-out-everywhere': { done: 'signed-out', run: (kit, ctx, id) => signOutEverywhere(kit.service, actorOf(ctx), id) },
  'send-reset': { done: 'reset-sent', run: (kit, ctx, id) => sendPasswordReset(kit.service, actorOf(ctx), id) },
  'grant-admin': { done: 'admin-granted', run: (kit, ctx, id) => setUserAdmin(kit.service, actorOf(ctx), id, true) },
  'revoke-admin': { done: 'admin-revoked', run: (kit, ctx, id) => setUserAdmin(kit.service, actorOf(ctx), id, false) },
};

/** Actions that take something away: a confirmation page comes first. */
const CONFIRM: Record<string, { title: string; message: string; button: string }> = {
  disable: {
    title: 'Disable this user?',
    message: 'They are signed out everywhere at once: every session, grant, refresh token and access token of theirs ends, and they cannot sign in until enabled again.',
    button: 'Disable the user',
  },
  'sign-out-everywhere': {
    title: 'Sign this user out everywhere?',
    message: 'Every session and refresh token of theirs ends: each app and browser asks them to sign in again.',
    button: 'Sign out everywhere',
  },
  'revoke-admin': {
    title: 'Revoke the admin role?',
    message: 'They lose access to the admin console and the admin API at their next request.',
    button: 'Revoke the admin role',
  },
};

const PAGE_SIZE = 25;

export function userPages(kit: PageKit): void {
  const { router, requireAdmin, post, service } = kit;

  router.get('/users', requireAdmin, async (ctx) => {
    const query = typeof ctx.query.q === 'string' ? ctx.query.q.slice(0, 320) : '';
    const cursor = typeof ctx.query.cursor === 'string' ? ctx.query.cursor : undefined;
    const page = await searchUsers(service, { query, cursor, limit: PAGE_SIZE });
    await renderAdmin(ctx, 'users', { title: 'Users', section: 'users', query, page, paged: Boolean(cursor), notice: noticeOf(ctx, NOTICES) });
  });

  const newForm = (ctx: Context, values: Record<string, unknown> = {}, fieldError?: FieldError, status = 200) =>
    renderAdmin(ctx, 'user-new', { title: 'Add a user', section: 'users', values: { mode: 'invite', ...values }, fieldError }, status);

  router.get('/users/new', requireAdmin, (ctx) => newForm(ctx));

  router.post('/users', requireAdmin, ...post, async (ctx) => {
    const body = ctx.request.body;
    const values = { email: text(body, 'email', 320), name: text(body, 'name', 200), mode: text(body, 'mode') === 'password' ? 'password' : 'invite', admin: ticked(body, 'admin'), verified: ticked(body, 'verified') };
    const invite = values.mode === 'invite';
    try {
      const { account } = await createUser(service, actorOf(ctx), {
        email: values.email,
        name: values.name,
        invite,
        admin: values.admin,
        ...(invite ? {} : { password: text(body, 'password', 1024), emailVerified: values.verified }),
      });
      doneRedirect(ctx, `/admin/users/${encodeURIComponent(account.id)}`, invite ? 'invited' : 'created');
    } catch (err) {
      await newForm(ctx, values, newUserError(err), isAppError(err) ? err.status : 400);
    }
  });

  async function userPage(ctx: Context, id: string, error?: string, status = 200) {
    const found = await viewUser(service, id);
    // Sessions by their device in words (as on the account page), the raw user agent kept for its title.
    const view = { ...found, sessions: found.sessions.map((s) => ({ ...s, device: capitalised(describeDevice(s.userAgent ?? undefined)) })) };
    const apiKeys = await userApiKeyRows(kit, id);
    await renderAdmin(ctx, 'user', { title: view.user.name || view.user.email, section: 'users', view, apiKeys, self: view.user.id === adminOf(ctx).id, error, notice: noticeOf(ctx, NOTICES) }, status);
  }

  router.get('/users/:id', requireAdmin, (ctx) => userPage(ctx, param(ctx, 'id')));

  for (const [action, { done, run }] of Object.entries(ACTIONS)) {
    router.post(`/users/:id/${action}`, requireAdmin, ...post, async (ctx) => {
      const id = param(ctx, 'id');
      try {
        await run(kit, ctx, id);
      } catch (err) {
        // A refusal the admin can read (disabling themselves, already so): the page again, with it.
        if (!isAppError(err) || err.status >= 500 || err.status === 404) throw err;
        return userPage(ctx, id, sentence(err), err.status);
      }
      doneRedirect(ctx, `/admin/users/${encodeURIComponent(id)}`, done);
    });
  }

  for (const [action, page] of Object.entries(CONFIRM)) {
    confirmRoute(router, requireAdmin, `/users/:id/${action}`, async (ctx) => {
      const { user } = await viewUser(service, param(ctx, 'id'));
      return { ...page, section: 'users', subject: `${user.name} <${user.email}>`, cancel: `/admin/users/${encodeURIComponent(user.id)}` };
    });
  }

  confirmRoute(router, requireAdmin, '/users/:id/passkeys/:passkeyId/remove', async (ctx) => {
    const view = await viewUser(service, param(ctx, 'id'));
    const passkey = view.passkeys.find((p) => p.id === param(ctx, 'passkeyId'));
    if (!passkey) throw new AppError('admin.not_found', 'That passkey is not on this account (any more).', { status: 404 });
    return {
      title: 'Remove this passkey?',
      message: `"${passkey.name}" will no longer sign ${view.user.email} in. Its owner is told by mail. If it is their only passkey, they sign in with their password (if they have one) and can add a new passkey.`,
      button: 'Remove the passkey',
      section: 'users',
      subject: `${view.user.name} <${view.user.email}>`,
      cancel: `/admin/users/${encodeURIComponent(view.user.id)}`,
    };
  });

  userApiKeyPages(kit);

  router.post('/users/:id/passkeys/:passkeyId/remove', requireAdmin, ...post, async (ctx) => {
    const id = param(ctx, 'id');
    await removeUserPasskey(service, actorOf(ctx), id, param(ctx, 'passkeyId'));
    doneRedirect(ctx, `/admin/users/${encodeURIComponent(id)}`, 'passkey-removed');
  });
}

/** The add-user form's refusal as its field, in the page's own words where the service's would quote the input. */
function newUserError(err: unknown): FieldError {
  const { field, message } = fieldErrorOf(err, (m, code) => (code === 'account.email_taken' || /email|address/i.test(m) ? 'email' : /password/i.test(m) ? 'password' : 'name'));
  if (isAppError(err) && err.code === 'account.email_taken') return { field, message: 'An account with this email address already exists.' };
  if (field === 'email') return { field, message: 'Enter an email address, like alice@example.com.' };
  if (field === 'password') return { field, message: message.replace(/^Password: /i, '').replace(/^./, (c) => c.toUpperCase()) };
  return { field, message };
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function sentence(err: AppError): string {
  const message = err.message.charAt(0).toUpperCase() + err.message.slice(1);
  return /[.!?]$/.test(message) ? message : `${message}.`;
}
