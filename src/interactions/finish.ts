import type Provider from 'oidc-provider';
import type { Interaction, InteractionResults } from 'oidc-provider';
import type { Context } from 'koa';
import { assuranceFor, type Factor } from '../provider/assurance.js';
import { saveGrant } from './grants.js';

async function complete(ctx: Context, provider: Provider, result: InteractionResults): Promise<void> {
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(returnTo);
}

/**
 * The only writer of `login: { accountId, acr, amr, ts }`: the strength comes from the
 * factors verified in this interaction for this account, via provider/assurance.ts.
 */
export async function finishLogin(
  ctx: Context,
  provider: Provider,
  interaction: Interaction,
  login: { accountId: string; factors: Factor[]; firstParty: boolean },
): Promise<void> {
  const { acr, amr, ts } = assuranceFor(login.factors);
  const result: InteractionResults = { login: { accountId: login.accountId, acr, amr, ts, remember: true } };
  if (login.firstParty) result.consent = { grantId: await saveGrant(provider, interaction, login.accountId) };
  await complete(ctx, provider, result);
}

export async function finishConsent(ctx: Context, provider: Provider, interaction: Interaction): Promise<void> {
  const accountId = interaction.session?.accountId;
  if (!accountId) throw new Error('consent without a signed-in account');
  const grantId = await saveGrant(provider, interaction, accountId, interaction.prompt.details);
  await complete(ctx, provider, { consent: { grantId } });
}

/** Ends the interaction with an OAuth error sent back to the client (e.g. access_denied). */
export async function finishWithError(ctx: Context, provider: Provider, error: string, description: string): Promise<void> {
  await complete(ctx, provider, { error, error_description: description });
}
