import { decideStep, interactionState, loadInteraction, type InteractionDeps } from './context.js';
import { showConsent } from './consent.js';
import { redirectTo } from './finish.js';
import { finishLogin, type StepRoute } from './step-kit.js';
import { renderStep } from './step-pages.js';

/** GET /interaction/:uid — the page of whatever the interaction needs now. */
export function showStep(deps: InteractionDeps): StepRoute[] {
  return [
    {
      method: 'get',
      path: '/',
      handlers: [
        loadInteraction(deps.provider),
        async function show(ctx) {
          const state = interactionState(ctx);
          const { prompt } = state.interaction;
          if (prompt.name === 'consent') return showConsent(ctx, deps);
          if (prompt.name !== 'login') throw new Error(`unknown prompt ${prompt.name}`);
          const step = await decideStep(deps, state);
          // Nothing left to ask, or an enrol offer whose password is no longer fresh enough
          // to bind a passkey: the sign-in ends here.
          if (step.kind === 'finish' || (step.kind === 'enrol' && step.freshForSeconds <= 0)) {
            return redirectTo(ctx, await finishLogin(ctx, deps, step.pending, step.kind === 'finish' ? step.account : undefined));
          }
          return renderStep(ctx, deps, step);
        },
      ],
    },
  ];
}
