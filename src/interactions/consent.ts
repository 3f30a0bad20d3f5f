import type { Context } from 'koa';
import { requireCsrf } from '../pages/csrf.js';
import { renderPage } from '../pages/render.js';
import { interactionState, loadInteraction, type InteractionDeps } from './context.js';
import { consentResult, redirectTo } from './finish.js';
import { form, type StepRoute } from './step-kit.js';
import type { MissingDetails } from './grants.js';

/** What each OpenID scope lets the client do, in the person's words. */
const OIDC_SCOPE_TEXT: Record<string, string> = {
  openid: 'Know who you are',
  email: 'See your email address',
  profile: 'See your name',
  offline_access: 'Stay signed in when you are not using it',
};

/**
 * Everything the grant will hold, as the page lists it. consentResult grants exactly
 * the prompt's missing scopes, claims and resource scopes, so a client never receives
 * a scope this page did not show.
 */
async function consentItems(details: MissingDetails, deps: InteractionDeps) {
  const scopes = (details.missingOIDCScope ?? []).map((scope) => ({ scope, text: OIDC_SCOPE_TEXT[scope] ?? scope }));
  const apis = await Promise.all(
    Object.entries(details.missingResourceScopes ?? {}).map(async ([indicator, granted]) => {
      const resource = await deps.findResource(indicator);
      return {
        indicator,
        name: resource?.name ?? indicator,
        scopes: granted.map((scope) => ({ scope, text: resource?.scopeDescriptions[scope] ?? scope })),
      };
    }),
  );
  return { scopes, claims: details.missingOIDCClaims ?? [], apis };
}

/** The consent page: third-party clients only; first-party clients are granted what they ask. */
export async function showConsent(ctx: Context, deps: InteractionDeps): Promise<void> {
  const { interaction, client } = interactionState(ctx);
  if (client.firstParty) return redirectTo(ctx, await consentResult(ctx, deps.provider, interaction));
  return renderPage(ctx, 'consent', {
    title: 'Allow access',
    uid: interaction.uid,
    clientName: client.name,
    // Where the answer goes: the only thing about a self-registered client Latchkey can vouch for.
    redirectHost: new URL(String(interaction.params.redirect_uri)).host,
    ...(await consentItems(interaction.prompt.details as MissingDetails, deps)),
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
