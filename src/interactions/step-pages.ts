import type { Context } from 'koa';
import { renderPage } from '../pages/render.js';
import { interactionState, type InteractionDeps } from './context.js';
import type { Step } from './next-step.js';

const UNMET_TEXT: Record<Extract<Step, { kind: 'unmet' }>['why'], string> = {
  no_passkey: 'This app asks you to sign in with a passkey, and your account has no passkey yet.',
  only_synced: 'This app asks for a passkey that stays on one device, such as a security key. Your passkeys can be synced between devices, so they cannot be used here.',
  unknown_acr: 'This app asks for a way of signing in that Latchkey does not offer.',
};

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
      return renderPage(ctx, 'unmet', { title: 'A stronger sign-in is needed', ...base, message: UNMET_TEXT[step.why], why: step.why }, status);
  }
}
