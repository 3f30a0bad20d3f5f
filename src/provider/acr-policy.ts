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

export type AcrClaims = { id_token?: { acr?: AcrClaimRequest | null } };

export function acrRequirement(acrValues: unknown, claims: AcrClaims | undefined): AcrRequirement {
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

/**
 * The `acr` to report for a sign-in that reached `reached`, for this request. Relying
 * parties compare `acr` exactly (Apache mod_auth_openidc `Require claim acr:phr`, most
 * hand-written checks), so when the request names known levels the answer is the most
 * preferred of them that the sign-in meets: an essential `acr` claim's values first (OIDC
 * Core §5.5.1.1: the value returned MUST be one of them), then `acr_values` in their
 * order of preference (§3.1.2.1), then a voluntary claim's values. With none named, or
 * none met, the level reached. `amr` still tells exactly what was used.
 */
export function reportedAcr(reached: string | undefined, acrValues: unknown, claims: AcrClaims | undefined): string | undefined {
  if (reached === undefined) return undefined;
  const claim = claims?.id_token?.acr;
  const claimValues = claim ? known([claim.value, ...(Array.isArray(claim.values) ? claim.values : [])]) : [];
  const fromParam = typeof acrValues === 'string' ? known(acrValues.split(' ')) : [];
  const preferred = claim?.essential ? [...claimValues, ...fromParam] : [...fromParam, ...claimValues];
  return preferred.find((level) => meets(reached, level)) ?? reached;
}

export function meets(acr: string | undefined, bar: Acr | undefined): boolean {
  return !bar || (acr !== undefined && acrRank(acr) >= acrRank(bar));
}

/**
 * The `claims` request parameter as the client sent it (a JSON string; JAR and PAR
 * requests hand it over the same way). Not the engine's `ctx.oidc.claims`: when
 * `acr_values` is present too, the engine replaces the `acr` claim there with
 * `{ values: acr_values }`, dropping `essential` and the claim's own values, so the
 * policy, the sign-in pages and the reported acr would each read a different request.
 */
export function acrClaimsOf(claims: unknown): AcrClaims | undefined {
  if (typeof claims === 'object' && claims !== null) return claims as AcrClaims;
  if (typeof claims !== 'string') return undefined;
  try {
    return JSON.parse(claims) as AcrClaims;
  } catch {
    // The engine has already refused malformed claims; nothing to require here.
    return undefined;
  }
}

/** What an authorization request's parameters demand (the engine's check, the sign-in pages). */
export function requirementOfParams(params: { acr_values?: unknown; claims?: unknown } | undefined): AcrRequirement {
  return acrRequirement(params?.acr_values, acrClaimsOf(params?.claims));
}

export function requirementOf(ctx: KoaContextWithOIDC): AcrRequirement {
  return requirementOfParams(ctx.oidc.params);
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
