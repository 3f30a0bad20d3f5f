import type { Context } from 'koa';
import { renderPage } from '../pages/render.js';
import { interactionState, type InteractionDeps } from './context.js';
import type { Step } from './next-step.js';

type Why = Extract<Step, { kind: 'unmet' }>['why'];
const UNMET_TEXT: Record<Why, string> = {
  no_passkey: 'This app asks you to sign in with a passkey, and your account has no passkey yet.',
  no_attested_key:
    'This app asks for a hardware security key that this service can verify: a security key whose maker\'s attestation the operator trusts, added to your account as a passkey. ' +
    'None of your passkeys is one: synced passkeys, and passkeys whose hardware could not be verified, do not count.',
  unknown_acr: 'This app asks for a way of signing in that Latchkey does not offer.',
};
// phrh with no trust anchors configured: nothing the person can add would help (DESIGN.md "Hardware").
const NO_ANCHORS_TEXT =
  'This app asks for a verified hardware security key, and this service is not set up to verify any (its operator has configured no attestation trust anchors). Contact the app\'s support.';

/** What the unmet page says, and whether adding a passkey on the account page would help. */
function unmetPage(why: Why, anchorsConfigured: boolean): { message: string; canAdd: boolean } {
  if (why === 'no_attested_key' && !anchorsConfigured) return { message: NO_ANCHORS_TEXT, canAdd: false };
  return { message: UNMET_TEXT[why], canAdd: why !== 'unknown_acr' };
}

export interface PageExtra {
  error?: string;
  email?: string;
  /** The error is about the typed one-time code (its field is marked invalid). */
  codeError?: boolean;
  /** The sign-in field the error is about: it gets aria-invalid, aria-describedby and the focus. */
  errorField?: 'email' | 'password';
}

/** The page of a step that asks the person for something. Finishing is never done here. */
export async function renderStep(
  ctx: Context,
  deps: InteractionDeps,
  step: Exclude<Step, { kind: 'finish' }>,
  extra: PageExtra = {},
  status = 200,
): Promise<void> {
  const { interaction, client } = interactionState(ctx);
  const base = { uid: interaction.uid, clientName: client.name, error: extra.error, step: step.kind };
  switch (step.kind) {
    case 'sign-in': {
      const locked = step.lockedToAccount ? await deps.accounts.findById(step.lockedToAccount) : undefined;
      const hint = typeof interaction.params.login_hint === 'string' ? interaction.params.login_hint : '';
      return renderPage(ctx, 'login', { title: 'Sign in', ...base, email: extra.email ?? locked?.email ?? hint, errorField: extra.errorField, devMailbox: deps.devMailbox, signUp: deps.lifecycle.signup === 'open' }, status);
    }
    case 'step-up':
      return renderPage(ctx, 'step-up', { title: 'Confirm with a passkey', ...base, passkeyNames: step.allow.map((p) => p.name) }, status);
    case 'enrol': {
      const account = await deps.accounts.findById(step.pending.accountId);
      return renderPage(ctx, 'enrol', { title: 'Add a passkey', ...base, stage: step.stage, email: account?.email ?? '', codeError: extra.codeError }, status);
    }
    case 'unmet':
      return renderPage(ctx, 'unmet', { title: 'A stronger sign-in is needed', ...base, ...unmetPage(step.why, deps.ceremonies.attestationConfigured), why: step.why }, status);
  }
}
