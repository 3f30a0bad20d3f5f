import type { Account } from '../accounts/accounts-repo.js';
import type Provider from 'oidc-provider';
import type { Interaction, InteractionResults } from 'oidc-provider';
import type { Context } from 'koa';
import { assuranceFor, type Factor } from '../provider/assurance.js';
import { interactionExpired } from './context.js';
import { saveGrant } from './grants.js';
import type { PendingLogin } from './next-step.js';
import type { RecordSignIn } from './sign-in-record.js';

/**
 * Every end of an interaction goes through here and returns where the browser goes
 * next (oidc-provider's resume URL); HTML handlers redirect there, JSON handlers hand
 * it to the page script.
 */
function result(ctx: Context, provider: Provider, value: InteractionResults, merge = false): Promise<string> {
  return provider.interactionResult(ctx.req, ctx.res, value, { mergeWithLastSubmission: merge });
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
  login: { accountId: string; factors: Factor[]; passwordVersion?: number | undefined; firstParty: boolean; record?: RecordSignIn; account?: Account | undefined },
): Promise<string> {
  const { acr, amr, ts } = assuranceFor(login.factors);
  // Audit, device cookie and new-device mail (sign-in-record.ts).
  await login.record?.(ctx, interaction, { accountId: login.accountId, factors: login.factors, assurance: { acr, amr, ts }, account: login.account });
  // The password version goes along: the engine's resume checks it once more
  // (provider/find-account.ts), as a reset may come between this answer and that request.
  const passwordVersion = login.passwordVersion === undefined ? {} : { passwordVersion: login.passwordVersion };
  const value: InteractionResults = { login: { accountId: login.accountId, acr, amr, ts, remember: true, factors: login.factors, ...passwordVersion } };
  if (login.firstParty) value.consent = { grantId: await saveGrant(provider, interaction, login.accountId) };
  return result(ctx, provider, value);
}

/** Keeps factors verified so far inside the interaction, for the next step of the same sign-in. */
export async function keepPending(ctx: Context, provider: Provider, interaction: Interaction, pending: PendingLogin): Promise<string> {
  await result(ctx, provider, { latchkey: pending }, true);
  return `/interaction/${interaction.uid}`;
}

export async function consentResult(ctx: Context, provider: Provider, interaction: Interaction): Promise<string> {
  const accountId = interaction.session?.accountId;
  if (!accountId) throw interactionExpired('consent without a signed-in account');
  const grantId = await saveGrant(provider, interaction, accountId, interaction.prompt.details);
  return result(ctx, provider, { consent: { grantId } });
}

/** Ends the interaction with an OAuth error for the client (access_denied, unmet_authentication_requirements). */
export function errorResult(ctx: Context, provider: Provider, error: string, description: string): Promise<string> {
  return result(ctx, provider, { error, error_description: description });
}

export function redirectTo(ctx: Context, url: string): void {
  ctx.status = 303;
  ctx.redirect(url);
}
