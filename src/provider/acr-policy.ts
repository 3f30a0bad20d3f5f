import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { ACR_VALUES, acrRank, type Acr } from './assurance.js';

/**
 * What a request demands (README "acr policy"): a requested known level is required,
 * not a hint; unknown values are ignored; of several known levels the weakest is the
 * bar. An essential `acr` claim naming only unknown values cannot be met at all.
 */
export interface AcrRequirement {
  bar?: Acr;
  unmeetable?: boolean;
}

interface AcrClaimRequest {
  essential?: boolean;
  value?: unknown;
  values?: unknown;
}

function known(values: unknown[]): Acr[] {
  return values.filter((v): v is Acr => typeof v === 'string' && (ACR_VALUES as readonly string[]).includes(v));
}

function weakest(levels: Acr[]): Acr | undefined {
  return levels.length ? levels.reduce((a, b) => (acrRank(a) <= acrRank(b) ? a : b)) : undefined;
}

export function acrRequirement(acrValues: unknown, claims: { id_token?: { acr?: AcrClaimRequest | null } } | undefined): AcrRequirement {
  const requested = typeof acrValues === 'string' ? known(acrValues.split(' ')) : [];
  const claim = claims?.id_token?.acr;
  let unmeetable = false;
  if (claim?.essential) {
    const named = [claim.value, ...(Array.isArray(claim.values) ? claim.values : [])].filter((v) => v !== undefined);
    const usable = known(named);
    if (named.length && !usable.length) unmeetable = true;
    requested.push(...usable);
  }
  const bar = weakest(requested);
  return { ...(bar ? { bar } : {}), ...(unmeetable ? { unmeetable } : {}) };
}

export function meets(acr: string | undefined, bar: Acr | undefined): boolean {
  return !bar || (acr !== undefined && acrRank(acr) >= acrRank(bar));
}

export function requirementOf(ctx: KoaContextWithOIDC): AcrRequirement {
  return acrRequirement(ctx.oidc.params?.acr_values, ctx.oidc.claims as Parameters<typeof acrRequirement>[1]);
}

/**
 * oidc-provider's default prompts, with its exact-match acr checks replaced by one that
 * ranks levels (a phrh session satisfies a phr request) and also honours acr_values.
 * With prompt=none a too-weak session yields `interaction_required`.
 */
export function createInteractionPolicy() {
  const { base, Check } = interactionPolicy;
  const policy = base();
  const login = policy.get('login')!;
  login.checks.remove('essential_acr');
  login.checks.remove('essential_acrs');
  login.checks.add(
    new Check('acr_bar', 'the requested authentication level is not met', 'interaction_required', (ctx) => {
      const { bar, unmeetable } = requirementOf(ctx);
      if (unmeetable) return Check.REQUEST_PROMPT;
      return meets(ctx.oidc.session?.acr, bar) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    }),
  );
  return policy;
}
