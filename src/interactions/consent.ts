import type { Context } from 'koa';
import { requireCsrf } from '../pages/csrf.js';
import { renderPage } from '../pages/render.js';
import { interactionState, loadInteraction, type InteractionDeps } from './context.js';
import { consentResult, redirectTo } from './finish.js';
import { form, type StepRoute } from './step-kit.js';

interface ConsentDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
}

/** The consent page: third-party clients only; first-party clients are granted what they ask. */
export async function showConsent(ctx: Context, deps: InteractionDeps): Promise<void> {
  const { interaction, client } = interactionState(ctx);
  if (client.firstParty) return redirectTo(ctx, await consentResult(ctx, deps.provider, interaction));
  const details = interaction.prompt.details as ConsentDetails;
  return renderPage(ctx, 'consent', {
    title: 'Allow access',
    uid: interaction.uid,
    clientName: client.name,
    scopes: (details.missingOIDCScope ?? []).filter((s) => s !== 'openid'),
    claims: details.missingOIDCClaims ?? [],
  });
}

/** POST /interaction/:uid/consent — the person allowed what the consent page showed. */
export function consentStep(deps: InteractionDeps): StepRoute[] {
  async function allow(ctx: Context) {
    const { interaction } = interactionState(ctx);
    if (interaction.prompt.name !== 'consent') return redirectTo(ctx, `/interaction/${interaction.uid}`);
    redirectTo(ctx, await consentResult(ctx, deps.provider, interaction));
  }
  return [{ method: 'post', path: '/consent', handlers: [loadInteraction(deps.provider), form, requireCsrf(), allow] }];
}
