import type { Context } from 'koa';
import { renderAdmin } from './render.js';

/** Why the console will not open, each with its status and its own words (never the request's). */
const REFUSALS = {
  needs_passkey: {
    status: 403,
    title: 'The admin console needs a passkey',
    message: 'An administrator signs in with a passkey (a device-bound one, where this Latchkey asks for that). This sign-in did not use one, or the account has none yet.',
    enrol: true,
  },
  not_admin: {
    status: 403,
    title: 'This account is not an administrator',
    message: 'You signed in, but this account does not hold the admin role, so the admin console is closed to it. An administrator can grant the role.',
    enrol: false,
  },
  revoked: {
    status: 403,
    title: 'Your admin access has ended',
    message: 'This account no longer holds the admin role (or was disabled), so your admin session was ended.',
    enrol: false,
  },
  expired: {
    status: 400,
    title: 'This sign-in has expired',
    message: 'The sign-in took too long, was already used, or was started in another browser.',
    enrol: false,
  },
  not_finished: {
    status: 400,
    title: 'The sign-in did not finish',
    message: 'The sign-in to the admin console was cancelled or could not be completed.',
    enrol: false,
  },
  session_ended: {
    status: 401,
    title: 'Your admin session has ended',
    message: 'Admin sessions end after a short time without use, and a few hours after sign-in. Nothing was changed.',
    enrol: false,
  },
} as const;

export type RefusalKind = keyof typeof REFUSALS;

export async function refusal(ctx: Context, kind: RefusalKind): Promise<void> {
  const { status, ...page } = REFUSALS[kind];
  await renderAdmin(ctx, 'refused', { ...page, kind }, status);
}
