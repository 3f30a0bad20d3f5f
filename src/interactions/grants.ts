import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';

export interface MissingDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

/** Claim names requested through the `claims` parameter (OIDC Core §5.5). */
function requestedClaims(claimsParam: unknown): string[] {
  if (typeof claimsParam !== 'string') return [];
  try {
    const parsed = JSON.parse(claimsParam) as Record<string, Record<string, unknown> | null>;
    return [...new Set(['id_token', 'userinfo'].flatMap((where) => Object.keys(parsed[where] ?? {})))];
  } catch {
    return []; // oidc-provider has already refused a malformed claims parameter
  }
}

/**
 * Saves a grant covering what the interaction asks for and returns its id. With
 * `details` (the consent prompt's) only what is missing is added; without, everything
 * requested is granted: that is the first-party shortcut taken together with login,
 * which saves the extra consent round trip.
 */
export async function saveGrant(
  provider: Provider,
  interaction: Interaction,
  accountId: string,
  details?: MissingDetails,
): Promise<string> {
  const clientId = String(interaction.params.client_id);
  const existing = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined;
  // A grant found through the session belongs to whoever was signed in before.
  const grant = existing && existing.accountId === accountId ? existing : new provider.Grant({ accountId, clientId });

  const scope = details ? details.missingOIDCScope?.join(' ') : String(interaction.params.scope ?? '');
  if (scope) grant.addOIDCScope(scope);
  const claims = details ? (details.missingOIDCClaims ?? []) : requestedClaims(interaction.params.claims);
  if (claims.length) grant.addOIDCClaims(claims);
  for (const [indicator, scopes] of Object.entries(details?.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  return grant.save();
}
