import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';
import type { Context, Next } from 'koa';
import type { AccountsRepo } from '../accounts/accounts-repo.js';
import type { PasswordLogin } from '../accounts/password-login.js';
import type { PasskeyCeremonies } from '../passkeys/ceremonies.js';
import type { PasskeysRepo } from '../passkeys/passkeys-repo.js';
import type { Factor } from '../provider/assurance.js';
import { acrRequirement, type AcrRequirement } from '../provider/acr-policy.js';
import { nextStep, type PendingLogin, type Step } from './next-step.js';

export interface InteractionDeps {
  provider: Provider;
  accounts: AccountsRepo;
  passkeys: PasskeysRepo;
  ceremonies: PasskeyCeremonies;
  passwordLogin: PasswordLogin;
}

export interface ClientView {
  name: string;
  firstParty: boolean;
}

export interface InteractionState {
  interaction: Interaction;
  client: ClientView;
  requirement: AcrRequirement;
  pending?: PendingLogin;
}

export function interactionState(ctx: Context): InteractionState {
  return ctx.state.lk as InteractionState;
}

class InteractionGone extends Error {
  override name = 'SessionNotFound';
}

/** Loads this browser's interaction for /interaction/:uid, or fails with the expired page. */
export function loadInteraction(provider: Provider) {
  return async (ctx: Context, next: Next) => {
    const interaction = await provider.interactionDetails(ctx.req, ctx.res);
    // The uid in the path must be this browser's interaction (its cookie says which).
    if (interaction.uid !== ctx.params.uid) throw new InteractionGone('interaction mismatch');
    const client = await provider.Client.find(String(interaction.params.client_id));
    if (!client) throw new InteractionGone('client gone');
    let claims: Parameters<typeof acrRequirement>[1];
    try {
      claims = typeof interaction.params.claims === 'string' ? JSON.parse(interaction.params.claims) : undefined;
    } catch {
      claims = undefined;
    }
    const pending = (interaction.result as { latchkey?: PendingLogin } | undefined)?.latchkey;
    ctx.state.lk = {
      interaction,
      client: { name: client.clientName ?? client.clientId, firstParty: client.metadata().third_party !== true },
      requirement: acrRequirement(interaction.params.acr_values, claims),
      ...(pending ? { pending } : {}),
    } satisfies InteractionState;
    await next();
  };
}

/** The session's own factors, so a step-up adds to them instead of starting over. */
async function sessionFactors(provider: Provider, interaction: Interaction): Promise<Factor[]> {
  const uid = interaction.session?.uid;
  const amr = (interaction.session as { amr?: string[] } | undefined)?.amr ?? [];
  if (!uid || !amr.includes('pwd')) return [];
  const session = await provider.Session.findByUid(uid);
  return session?.loginTs ? [{ type: 'pwd', at: session.loginTs }] : [];
}

export async function decideStep(deps: InteractionDeps, state: InteractionState): Promise<Step> {
  const { interaction, requirement, pending } = state;
  const sessionAccount = interaction.session?.accountId;
  const accountId = pending?.accountId ?? sessionAccount;
  const account = accountId ? await deps.accounts.findById(accountId) : undefined;
  return nextStep({
    requirement,
    reasons: interaction.prompt.reasons,
    ...(sessionAccount ? { session: { accountId: sessionAccount, factors: await sessionFactors(deps.provider, interaction) } } : {}),
    ...(pending ? { pending } : {}),
    passkeys: account ? await deps.passkeys.listForAccount(account.id) : [],
    offerDismissed: Boolean(account?.passkeyOfferDismissedAt && Date.now() - account.passkeyOfferDismissedAt.getTime() < 30 * 24 * 3600 * 1000),
  });
}
