import type { Context } from 'koa';
import { requireCsrf } from '../pages/csrf.js';
import { loadInteraction, type InteractionDeps } from './context.js';
import { errorResult, redirectTo } from './finish.js';
import { form, type StepRoute } from './step-kit.js';

/** POST /interaction/:uid/abort — "Cancel" or "Deny": the client gets access_denied (RFC 6749 §4.1.2.1). */
export function abortStep(deps: InteractionDeps): StepRoute[] {
  async function abort(ctx: Context) {
    redirectTo(ctx, await errorResult(ctx, deps.provider, 'access_denied', 'End-User aborted interaction'));
  }
  return [{ method: 'post', path: '/abort', handlers: [loadInteraction(deps.provider), form, requireCsrf(), abort] }];
}
