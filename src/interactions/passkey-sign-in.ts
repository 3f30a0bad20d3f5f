import type { Context } from 'koa';
import { interactionState, type InteractionDeps } from './context.js';
import { passkeyVerifyBody } from '../passkeys/response-schemas.js';
import { advance, jsonStep, type StepRoute } from './step-kit.js';
import { rateLimit } from '../pages/rate-limit.js';
import { PasskeyError, UNKNOWN_PASSKEY } from '../passkeys/passkey-error.js';

/**
 * POST /interaction/:uid/passkey-sign-in/{options,verify} — the sign-in step answered
 * with a discoverable passkey (the button, or the browser's autofill): the credential
 * names the account.
 */
export function passkeySignInStep(deps: InteractionDeps): StepRoute[] {
  // The credential names the account only once verified: per IP and overall.
  const pre = [...jsonStep(deps, 'sign-in'), rateLimit(deps.limits, { name: 'passkey' })];

  async function options(ctx: Context) {
    ctx.body = await deps.ceremonies.authenticationOptions({ binding: { interaction: interactionState(ctx).interaction.uid } });
  }

  async function verify(ctx: Context) {
    const { credential } = passkeyVerifyBody.parse(ctx.request.body);
    const binding = { interaction: interactionState(ctx).interaction.uid };
    const { passkey, verified } = await deps.ceremonies.authenticate({ binding, response: credential, ip: ctx.ip });
    // A disabled account is unknown (accounts-repo leaves it out) and its passkey gets the
    // words an unregistered one gets. Not its code: `passkey.unknown_credential` makes the
    // page signal the browser to delete the passkey (WebAuthn L3 signalUnknownCredential),
    // which must never happen to a passkey an account still holds (it may be enabled again).
    if (!(await deps.accounts.findById(passkey.accountId))) throw new PasskeyError('passkey.account_unavailable', UNKNOWN_PASSKEY);
    ctx.body = { redirect: await advance(ctx, deps, { accountId: passkey.accountId, factors: [{ type: 'passkey', ...verified }] }) };
  }

  return [
    { method: 'post', path: '/passkey-sign-in/options', handlers: [...pre, options] },
    { method: 'post', path: '/passkey-sign-in/verify', handlers: [...pre, verify] },
  ];
}
