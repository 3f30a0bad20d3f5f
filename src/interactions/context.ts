import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';
import type { Context, Next } from 'koa';
import { passwordVersion, type Account, type AccountsRepo } from '../accounts/accounts-repo.js';
import type { PasswordLogin } from '../accounts/password-login.js';
import type { PasskeyProof } from '../accounts/passkey-proof.js';
import type { Mailer } from '../mail/mailer.js';
import { epochSeconds, type Clock } from '../common/clock.js';
import { AppError } from '../common/errors.js';
import type { PasskeyCeremonies } from '../passkeys/ceremonies.js';
import type { PasskeysRepo } from '../passkeys/passkeys-repo.js';
import type { RateLimits } from '../pages/rate-limit.js';
import type { RecordSignIn } from './sign-in-record.js';
import type { Resource } from '../clients/resources-repo.js';
import { requirementOfParams, type AcrRequirement } from '../provider/acr-policy.js';
import { sessionOfInteraction } from '../provider/oidc-internals.js';
import type { LifecycleDeps } from './lifecycle-kit.js';
import { nextStep, OFFER_DISMISSED_SECONDS, type PendingLogin, type Step } from './next-step.js';
import { metadataOf } from '../provider/client-fields.js';

export interface InteractionDeps {
  provider: Provider;
  accounts: AccountsRepo;
  passkeys: PasskeysRepo;
  ceremonies: PasskeyCeremonies;
  passwordLogin: PasswordLogin;
  /** Request-rate limits per IP, account and overall (pages/rate-limit.ts). */
  limits: RateLimits;
  /** Audit, device cookie and new-device mail for every finished sign-in. */
  recordSignIn: RecordSignIn;
  /** The mailed code a first passkey needs beyond the password (DESIGN.md "Binding"). */
  passkeyProof: PasskeyProof;
  mailer: Mailer;
  /** A registered API, for its name and scope descriptions on the consent page. */
  findResource(indicator: string): Promise<Resource | undefined>;
  clock: Clock;
  /** The local dev mailbox is served (no SMTP, loopback): the sign-in page links to it. */
  devMailbox?: boolean;
  /** Sign-up and forgotten password. */
  lifecycle: LifecycleDeps;
}

export interface ClientView {
  name: string;
  firstParty: boolean;
}

/** What `load` puts on ctx.state for the handlers after it. */
export interface InteractionState {
  interaction: Interaction;
  client: ClientView;
  requirement: AcrRequirement;
  pending?: PendingLogin;
  /** The current step, once `expectStep` has decided it. */
  step?: Step;
}

export function interactionState(ctx: Context): InteractionState {
  return ctx.state.lk as InteractionState;
}

/** The current step as `expectStep` found it; only after that middleware. */
export function currentStep<K extends Step['kind']>(ctx: Context, kind: K): Extract<Step, { kind: K }> {
  const step = interactionState(ctx).step;
  if (step?.kind !== kind) throw new Error(`step ${kind} expected before this handler`);
  return step as Extract<Step, { kind: K }>;
}

export function interactionExpired(reason: string): AppError {
  return new AppError('interaction.expired', `This sign-in page has expired (${reason}).`, { status: 400, expose: false });
}

/**
 * The flow a mailed code is bound to (accounts/one-time-codes.ts `flow`): this browser's
 * sign-in interaction, so a reset or sign-up someone else starts for the same address
 * runs on codes of its own.
 */
export const flowOf = (ctx: Context): string => interactionState(ctx).interaction.uid;

/** Loads this browser's interaction for /interaction/:uid, or fails with the expired page. */
export function loadInteraction(provider: Provider) {
  return async function load(ctx: Context, next: Next) {
    const interaction = await provider.interactionDetails(ctx.req, ctx.res);
    // The uid in the path must be this browser's interaction (its cookie says which).
    if (interaction.uid !== ctx.params.uid) throw interactionExpired('interaction mismatch');
    const client = await provider.Client.find(String(interaction.params.client_id));
    if (!client) throw interactionExpired('client gone');
    const pending = (interaction.result as { latchkey?: PendingLogin } | undefined)?.latchkey;
    ctx.state.lk = {
      interaction,
      client: { name: client.clientName ?? client.clientId, firstParty: metadataOf(client).third_party !== true },
      requirement: requirementOfParams(interaction.params),
      ...(pending ? { pending } : {}),
    } satisfies InteractionState;
    await next();
  };
}

/**
 * Decides the step this interaction is at (next-step.ts, pure) from what the stores
 * hold. `loaded`: an account row this request has just read, so it is not read twice.
 */
export async function decideStep(deps: InteractionDeps, state: InteractionState, loaded?: Account): Promise<Step> {
  const { interaction, requirement, pending } = state;
  const session = interaction.session?.accountId ? await sessionOfInteraction(deps.provider, interaction) : undefined;
  const sessionAccount = interaction.session?.accountId;
  const accountId = pending?.accountId ?? sessionAccount;
  const account = accountId ? (loaded?.id === accountId ? loaded : await deps.accounts.findById(accountId)) : undefined;
  const now = epochSeconds(deps.clock);
  if (pending) {
    // The account was deleted or disabled while this sign-in was under way.
    if (!account) throw interactionExpired('account gone');
    // A password checked before the password changed (a reset, a change) no longer counts:
    // whoever held the old one cannot finish a sign-in they had started, even one paused
    // at the passkey offer (OWASP ASVS 5.0 V7.4.3: end sessions after a credential change).
    if (pending.passwordVersion !== undefined && pending.passwordVersion !== passwordVersion(account)) throw interactionExpired('password changed');
  }
  const dismissedAt = account?.passkeyOfferDismissedAt;
  const step = nextStep({
    requirement,
    reasons: interaction.prompt.reasons,
    ...(sessionAccount ? { session: { accountId: sessionAccount, factors: session?.accountId === sessionAccount ? session.factors : [] } } : {}),
    ...(pending ? { pending } : {}),
    passkeys: account ? await deps.passkeys.listForAccount(account.id) : [],
    offerDismissed: Boolean(dismissedAt && now - Math.floor(dismissedAt.getTime() / 1000) < OFFER_DISMISSED_SECONDS),
    now,
  });
  return step.kind === 'finish' && account ? { ...step, account } : step;
}
