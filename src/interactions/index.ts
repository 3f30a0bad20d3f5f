import { Router } from '@koa/router';
import compose from 'koa-compose';
import type { Middleware } from 'koa';
import type { PageModule } from '../pages/page-module.js';
import { csrfToken } from '../pages/csrf.js';
import { abortStep } from './abort.js';
import { consentStep } from './consent.js';
import { enrolStep } from './enrol.js';
import { passkeySignInStep } from './passkey-sign-in.js';
import { passwordStep } from './password.js';
import { showStep } from './show.js';
import { stepUpStep } from './step-up.js';
import { unmetStep } from './unmet.js';
import { staleRequest, type StepRoute } from './step-kit.js';
import { loadInteraction, type InteractionDeps } from './context.js';

export type { InteractionDeps } from './context.js';

/** Where the hosted sign-in lives; the dispatch in http/ sends these paths here. */
export const INTERACTION_PREFIX = '/interaction';

/**
 * /interaction/:uid — the hosted sign-in, one module per step, in flow order. Each
 * module's routes are short named middleware: load the interaction → parse → expect
 * the step → verify → advance (next-step.ts decides what is asked next).
 */
const STEPS: Array<(deps: InteractionDeps) => StepRoute[]> = [
  showStep, //           GET  /            the current step's page
  passwordStep, //       POST /password    sign-in with email + password
  passkeySignInStep, //  POST /passkey-sign-in/{options,verify}
  stepUpStep, //         POST /step-up/{options,verify}
  enrolStep, //          POST /enrol/{options,verify,skip}
  consentStep, //        POST /consent
  unmetStep, //          POST /unmet       the requirement cannot be met
  abortStep, //          POST /abort       cancel / deny
];

export function interactionPages(deps: InteractionDeps): PageModule {
  const router = new Router({ prefix: `${INTERACTION_PREFIX}/:uid` });
  // Tokens are bound to the interaction in the path (loadInteraction then checks it is this browser's).
  router.use(csrfToken({ issuer: deps.provider.issuer, bind: (ctx) => `interaction:${String(ctx.params.uid)}` }));
  for (const { method, path, handlers } of STEPS.flatMap((step) => step(deps))) router[method](path, ...handlers);
  // A page from an earlier release (or a step this interaction is not at) posting to a
  // path no step answers: back to the current page, or `passkey.stale_page` for scripts.
  router.post('/{*rest}', loadInteraction(deps.provider), staleRequest);
  // The router's middleware is typed for the params it sets itself; as Koa middleware it is sound.
  return { prefixes: [INTERACTION_PREFIX], middleware: compose([router.routes(), router.allowedMethods()] as Middleware[]) };
}
