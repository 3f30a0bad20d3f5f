import type { Account } from '../accounts/accounts-repo.js';
import type Provider from 'oidc-provider';
import type { Interaction, InteractionResults } from 'oidc-provider';
import type { Context } from 'koa';
import { assuranceFor, type Factor } from '../provider/assurance.js';
import { interactionExpired, interactionState } from './context.js';
import { saveGrant } from './grants.js';
import type { PendingLogin } from './next-step.js';
import type { RecordSignIn } from './sign-in-record.js';

/**
 * Every end of an interaction goes through here and returns where the browser goes
 * next (oidc-provider's resume URL); HTML handlers redirect there, JSON handlers hand
 * it to the page script. It does what the engine's `interactionResult` does, on the
 * interaction this request already loaded (context.ts `loadInteraction`): the engine's
 * would read the interaction cookie, check its signature and fetch the interaction (and
 * its session) from the store a second time in the same request. The resume that
 * follows checks the session again, as it always does.
 */
export async function storeResult(ctx: Context, value: InteractionResults, merge = false): Promise<string> {
  const { interaction } = interactionState(ctx);
  // As the engine's re-read would (it finds no expired interaction): nothing is stored
  // with a lifetime already over, and the person sees the expired page.
  const ttl = interaction.exp - Math.floor(Date.now() / 1000);
  if (ttl <= 0) throw interactionExpired('interaction expired');
  interaction.result = merge && !('error' in value) ? { ...interaction.lastSubmission, ...value } : value;
  await interaction.save(ttl);
  return interaction.returnTo;
}

/**
 * The only writer of `login: { accountId, acr, amr, ts }`: the strength comes from the
 * factors verified for this account, via provider/assurance.ts. The factors themselves,
 * each with its own time, go along in `login.factors` and are kept on the session
 * (provider/oidc-internals.ts), so later freshness checks judge each factor by itself.
 */
export async function loginResult(
  ctx: Context,
  provider: Provider,
  interaction: Interaction,
  login: { accountId: string; factors: Factor[]; firstParty: boolean; record?: RecordSignIn; account?: Account | undefined },
): Promise<string> {
  const { acr, amr, ts } = assuranceFor(login.factors);
  // Audit, device cookie and new-device mail (sign-in-record.ts).
  await login.record?.(ctx, interaction, { accountId: login.accountId, factors: login.factors, assurance: { acr, amr, ts }, account: login.account });
  const value: InteractionResults = { login: { accountId: login.accountId, acr, amr, ts, remember: true, factors: login.factors } };
  if (login.firstParty) value.consent = { grantId: await saveGrant(provider, interaction, login.accountId) };
  return storeResult(ctx, value);
}

/** Keeps factors verified so far inside the interaction, for the next step of the same sign-in. */
export async function keepPending(ctx: Context, interaction: Interaction, pending: PendingLogin): Promise<string> {
  await storeResult(ctx, { latchkey: pending }, true);
  return `/interaction/${interaction.uid}`;
}

export async function consentResult(ctx: Context, provider: Provider, interaction: Interaction): Promise<string> {
  const accountId = interaction.session?.accountId;
  if (!accountId) throw interactionExpired('consent without a signed-in account');
  const grantId = await saveGrant(provider, interaction, accountId, interaction.prompt.details);
  return storeResult(ctx, { consent: { grantId } });
}

/** Ends the interaction with an OAuth error for the client (access_denied, unmet_authentication_requirements). */
export function errorResult(ctx: Context, error: string, description: string): Promise<string> {
  return storeResult(ctx, { error, error_description: description });
}

export function redirectTo(ctx: Context, url: string): void {
  ctx.status = 303;
  ctx.redirect(url);
}
