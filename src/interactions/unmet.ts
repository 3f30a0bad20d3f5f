import type { Context } from 'koa';
import { requireCsrf } from '../pages/csrf.js';
import { loadInteraction, type InteractionDeps } from './context.js';
import { errorResult, redirectTo } from './finish.js';
import { form, type StepRoute } from './step-kit.js';

/**
 * POST /interaction/:uid/unmet — a requirement the person cannot (or chooses not to)
 * meet: the client learns it in the standard way (OpenID Connect Core §3.1.2.6
 * `unmet_authentication_requirements`) and never gets a token at a lower level.
 */
export function unmetStep(deps: InteractionDeps): StepRoute[] {
  async function unmet(ctx: Context) {
    redirectTo(ctx, await errorResult(ctx, deps.provider, 'unmet_authentication_requirements', 'the requested authentication level was not met'));
  }
  return [{ method: 'post', path: '/unmet', handlers: [loadInteraction(deps.provider), form, requireCsrf(), unmet] }];
}
