import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { acrLabel, grantTypeLabel, type Metrics } from './metrics.js';

/** How a login result says it was verified: any passkey amr is a passkey sign-in. */
function methodOf(amr: unknown): string {
  if (!Array.isArray(amr)) return 'other';
  if (amr.includes('hwk') || amr.includes('swk')) return 'passkey';
  return amr.includes('pwd') ? 'password' : 'other';
}

/**
 * Counters from the engine's own events (oidc-provider's documented event list), so
 * no flow module is touched: `grant.success` after every successful token request, and
 * `interaction.ended` when a sign-in or step-up result was applied to the session.
 * A login for the account the interaction's session already had is a step-up (or a
 * max_age re-check); any other login is a sign-in.
 */
export function observeEngine(provider: Provider, metrics: Metrics): void {
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    metrics.tokensIssued.inc({ grant_type: grantTypeLabel(ctx.oidc.params?.grant_type) });
  });
  provider.on('interaction.ended', (ctx: KoaContextWithOIDC) => {
    const login = ctx.oidc.result?.login;
    if (!login) return;
    const before = ctx.oidc.entities.Interaction?.session?.accountId;
    if (before && before === login.accountId) metrics.stepUps.inc({ acr: acrLabel(login.acr) });
    else metrics.signIns.inc({ method: methodOf(login.amr), outcome: 'success' });
  });
}
