import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { canonicalEmail, looksLikeEmail, mailboxOf } from '../accounts/email.js';
import type { OneTimeCodes } from '../accounts/one-time-codes.js';
import type { PasswordPolicy } from '../accounts/password-policy.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Mailer } from '../mail/mailer.js';
import { accountKey, mailLimit } from '../pages/rate-limit.js';
import { renderPage } from '../pages/render.js';
import { interactionState, type InteractionDeps } from './context.js';
import { isOwnerBrowser } from './device-cookie.js';

/** What the sign-up and reset steps need besides the sign-in's own dependencies. */
export interface LifecycleDeps {
  codes: OneTimeCodes;
  mailer: Pick<Mailer, 'send'>;
  audit: AuditLog;
  /** LATCHKEY_SIGNUP. */
  signup: 'open' | 'closed';
  passwordPolicy: PasswordPolicy;
  /** Ends every session (but `keepSessionUid`), grant and refresh token of the account (adapters/revoke-by-account.ts). */
  revokeAccount(accountId: string, options?: { keepSessionUid?: string }): Promise<unknown>;
  /** Clears the password-lockout counter of an address (accounts/password-lockout.ts). */
  clearPasswordLockout(email: string): Promise<void>;
  /**
   * The work a mail costs this process (rendering it), with nothing queued or sent: what
   * a reset request for an address without an account does instead of mailing, so both
   * answers keep the same pace (bench/enumeration-timing.ts measures it).
   */
  decoyMail(data: { code: string; purpose: 'reset-password'; minutes: number }): Promise<void>;
}

/**
 * A sign-up or reset in progress, kept in the interaction's own stored result (like the
 * pending factors of finish.ts `keepPending`): server-side, bound to this browser's
 * interaction, gone with it. Never in a form field.
 */
export type FlowState =
  | {
      kind: 'sign-up';
      /** Canonical. */
      email: string;
      name: string;
      /** The id the account will have; a passkey is made for it before the row exists. */
      accountId: string;
      /** The address already has an account: nothing will ever be created. */
      exists: boolean;
      /** The mailed code was entered. */
      verified: boolean;
    }
  | {
      kind: 'reset';
      /** Canonical. */
      email: string;
      /** The account of that address, if there is one. */
      accountId?: string;
    };

const FLOW_KEY = 'latchkeyFlow';

export function flowState<K extends FlowState['kind']>(ctx: Context, kind: K): Extract<FlowState, { kind: K }> | undefined {
  const result = interactionState(ctx).interaction.result as Record<string, unknown> | undefined;
  const state = result?.[FLOW_KEY] as FlowState | undefined;
  return state?.kind === kind ? (state as Extract<FlowState, { kind: K }>) : undefined;
}

/** Stores (or, with undefined, forgets) the flow state, keeping whatever else the interaction's result holds. */
export async function saveFlowState(ctx: Context, deps: InteractionDeps, state: FlowState | undefined): Promise<void> {
  const { interaction } = interactionState(ctx);
  const { [FLOW_KEY]: _old, ...rest } = (interaction.result ?? {}) as Record<string, unknown>;
  await deps.provider.interactionResult(ctx.req, ctx.res, state ? { ...rest, [FLOW_KEY]: state } : rest, { mergeWithLastSubmission: false });
  interaction.result = state ? { ...rest, [FLOW_KEY]: state } : rest;
}

/** An email address as typed: bounded before anything is done with it (RFC 5321 §4.5.3.1: 254 in practice, 320 at most). */
export const emailField = z.string().trim().min(1).max(320);
export const codeField = z.string().trim().min(1).max(64);
export const newPasswordField = z.string().min(1).max(4096);

/**
 * The canonical address a form posted, or undefined when it is not one: the one parse a
 * mail-sending step makes, so that its mail limit counts exactly the address it mails
 * (an address the limit could not count, padded past the bound say, is never mailed).
 */
export function postedAddress(ctx: Context): string | undefined {
  const parsed = emailField.safeParse(((ctx.request.body ?? {}) as Record<string, unknown>).email);
  const email = parsed.success ? canonicalEmail(parsed.data) : '';
  return looksLikeEmail(email) ? email : undefined;
}

/** The field a page shows in error: it gets aria-invalid, aria-describedby and autofocus. */
export interface FieldError {
  field: string;
  message: string;
}

/** Renders a lifecycle page of this interaction. */
export function renderFlowPage(ctx: Context, view: string, title: string, data: Record<string, unknown>, status = 200): Promise<void> {
  const { interaction, client } = interactionState(ctx);
  return renderPage(ctx, view, { title, uid: interaction.uid, clientName: client.name, error: undefined, notice: undefined, ...data }, status);
}

// One answer for a wrong code and a dead one, on every lifecycle page: a sign-up with an
// address that has an account (whose code was never sent) must look like any other, so
// "wrong" and "dead" cannot be told apart here (the attempts left are not shown either).
export const CODE_NOT_RIGHT = 'That code is not right, or it is no longer valid. Check the latest mail we sent, or send a new code.';

export function codeThrottled(ctx: Context, retryAfterSeconds: number): FieldError {
  ctx.set('Retry-After', String(retryAfterSeconds));
  return { field: 'code', message: 'Too many wrong codes. Wait a while, then send a new code.' };
}

/**
 * The mail limit of a step that mails `emailOf(ctx)` (a canonical address; undefined when
 * the request names none): strangers' requests counted per mailbox (every sub-address of
 * it together, accounts/email.ts `mailboxOf`), the owner's known browsers (a device cookie
 * that signed in to the address's account with its current password) per address, on a
 * budget strangers cannot spend.
 */
export function addressMailLimit(deps: InteractionDeps, emailOf: (ctx: Context) => string | undefined): Middleware {
  return mailLimit(deps.limits, {
    to: (ctx) => {
      const email = emailOf(ctx);
      return email === undefined ? undefined : accountKey(mailboxOf(email));
    },
    ownerKey: (ctx) => accountKey(emailOf(ctx)!),
    owner: (ctx) =>
      isOwnerBrowser(ctx, deps.provider.issuer, async () => (await deps.accounts.findByEmail(emailOf(ctx)!)) ?? undefined).catch(
        // Counted as a stranger's request then, the stricter budget: never a pass.
        () => false,
      ),
  });
}
