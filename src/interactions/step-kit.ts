import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';
import type { Account } from '../accounts/accounts-repo.js';
import { AppError } from '../common/errors.js';
import { requireCsrf } from '../pages/csrf.js';
import { decideStep, interactionState, loadInteraction, type InteractionDeps } from './context.js';
import { keepPending, loginResult, redirectTo } from './finish.js';
import type { PendingLogin, Step } from './next-step.js';

/** The middleware every step module composes: load → parse → expect the step → verify → advance. */
export type Handler = (ctx: Context, next: Next) => Promise<void>;

export interface StepRoute {
  method: 'get' | 'post';
  /** Below /interaction/:uid. */
  path: string;
  handlers: Handler[];
}

export const form: Handler = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
export const json: Handler = bodyParser({ enableTypes: ['json'], jsonLimit: '64kb' });

export const STALE_PAGE = 'This page is out of date. Reload it and try again.';

/**
 * Decides the current step and lets the request through only when it is `kind`: a
 * page posted from an earlier step (a second tab, the back button) cannot act on
 * another one. Forms go back to the interaction's current page; page scripts get
 * `passkey.stale_page`.
 */
export function expectStep(deps: InteractionDeps, kind: Step['kind'], answer: 'page' | 'json'): Handler {
  return async function expect(ctx, next) {
    const state = interactionState(ctx);
    const step = await decideStep(deps, state);
    if (step.kind !== kind) return stale(ctx, answer);
    state.step = step;
    await next();
  };
}

function stale(ctx: Context, answer: 'page' | 'json'): void {
  if (answer === 'json') throw new AppError('passkey.stale_page', STALE_PAGE, { status: 409 });
  redirectTo(ctx, `/interaction/${interactionState(ctx).interaction.uid}`);
}

/** A request no step answers: a stale page (scripts send JSON, forms do not). */
export const staleRequest: Handler = async (ctx) => stale(ctx, ctx.request.is('application/json') ? 'json' : 'page');

/** The JSON endpoints of a passkey step: load → parse JSON → CSRF → expect the step. */
export function jsonStep(deps: InteractionDeps, kind: Step['kind']): Handler[] {
  return [loadInteraction(deps.provider), json, requireCsrf(), expectStep(deps, kind, 'json')];
}

/** Finishes when the factors suffice, else keeps them and returns to the next page. */
export async function advance(ctx: Context, deps: InteractionDeps, pending: PendingLogin, loaded?: Account): Promise<string> {
  const state = interactionState(ctx);
  const step = await decideStep(deps, { ...state, pending }, loaded);
  if (step.kind === 'finish') return finishLogin(ctx, deps, step.pending, step.account ?? loaded);
  return keepPending(ctx, deps.provider, state.interaction, pending);
}

/** Ends the interaction with a login for these factors (and consent for first-party clients). */
export function finishLogin(ctx: Context, deps: InteractionDeps, pending: PendingLogin, loaded?: Account): Promise<string> {
  const { interaction, client } = interactionState(ctx);
  return loginResult(ctx, deps.provider, interaction, { ...pending, firstParty: client.firstParty, record: deps.recordSignIn, account: loaded });
}
