import type { Router } from '@koa/router';
import type { Context, Middleware } from 'koa';
import { isAppError } from '../../../common/errors.js';
import type { Actor, AdminDeps } from '../../service/index.js';
import { adminOf } from '../render.js';

/** What each page group of the console gets: the router, its guards, and the admin service's deps. */
export interface PageKit {
  router: Router;
  /** A live admin session, re-checked on every request (guard.ts). */
  requireAdmin: Middleware;
  /** A form body parser, then the CSRF check: every POST of the console runs both. */
  post: Middleware[];
  service: AdminDeps;
}

/** The signed-in admin as the service's actor: every change's audit event names them. */
export function actorOf(ctx: Context): Actor {
  return { kind: 'account', id: adminOf(ctx).id };
}

/** After a change: back to a page that says what happened (POST → 303 → GET). */
export function doneRedirect(ctx: Context, path: string, done: string): void {
  ctx.status = 303;
  ctx.redirect(`${path}${path.includes('?') ? '&' : '?'}done=${encodeURIComponent(done)}`);
}

/** The success message for the `done` query value, from the page's own words only. */
export function noticeOf(ctx: Context, notices: Readonly<Record<string, string>>): string | undefined {
  const done = ctx.query.done;
  return typeof done === 'string' && Object.hasOwn(notices, done) ? notices[done] : undefined;
}

/** A form field in error: its name, and the message shown under it (aria-describedby). */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * A refusal of the service that a person can fix (an AppError under 500, with a message
 * meant to be shown) as the field it is about, picked by `which` from the message; the
 * rest is thrown on to the error pages. Never the request's own text.
 */
export function fieldErrorOf(err: unknown, which: (message: string, code: string) => string): FieldError {
  if (!isAppError(err) || err.status >= 500 || !err.expose) throw err;
  const message = err.message.charAt(0).toUpperCase() + err.message.slice(1);
  return { field: which(err.message, err.code), message: /[.!?]$/.test(message) ? message : `${message}.` };
}

/** One string field of a parsed form (the first value when sent twice), bounded. */
export function text(body: unknown, name: string, max = 2000): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first.slice(0, max) : '';
}

/** Lines of a textarea (or spaces/commas for scopes), trimmed, empty ones dropped. */
export function lines(value: string): string[] {
  return value.split(/[\r\n]+/).map((l) => l.trim()).filter(Boolean);
}

export function words(value: string): string[] {
  return value.split(/[\s,]+/).map((w) => w.trim()).filter(Boolean);
}

/** Whether a checkbox was ticked. */
export function ticked(body: unknown, name: string): boolean {
  return text(body, name) !== '';
}

/** A route parameter, bounded (ids are short; anything longer matches nothing). */
export function param(ctx: Context, name: string, max = 512): string {
  const value = (ctx.params as Record<string, string | undefined> | undefined)?.[name] ?? '';
  return value.slice(0, max);
}
