import type Provider from 'oidc-provider';

/**
 * Redeems an authorization code inside the process, through the engine's own
 * AuthorizationCode model (part of the engine-reaching code, oidc-internals.ts).
 *
 * Why not the token endpoint: Latchkey's own admin console (admin/console/) is a client
 * of this very engine, in this very process. Posting to /token would go out through
 * the network stack and back into the same process (or, behind a load balancer, into
 * another one), and would mint an ID token and an access token only for the console to
 * verify the one and throw the other away. The code itself carries everything the ID
 * token would have said — `sub` (accountId), `acr`, `amr`, `auth_time`, `nonce` — plus
 * what the token endpoint checks — `client_id`, `redirect_uri`, the PKCE challenge — so
 * the console checks those (admin/console/callback-check.ts) and no token exists at all.
 */
export interface RedeemedCode {
  clientId: string;
  accountId: string;
  redirectUri: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  nonce?: string;
  acr?: string;
  amr?: string[];
  /** Seconds since the epoch (the time of the sign-in's most recent factor). */
  authTime?: number;
  /** The uid of the Latchkey session the code was issued in. */
  sessionUid?: string;
}

/** The engine's AuthorizationCode as read here: the same fields, each possibly absent. */
interface EngineCode extends Partial<RedeemedCode> {
  jti: string;
  consumed?: unknown;
  isExpired: boolean;
  consume(): Promise<void>;
}

/**
 * The code's contents, once: an unknown, expired or already used code gives undefined.
 * `claimOnce(jti)` is an atomic set-if-absent in the ephemeral store, so two requests
 * (or two processes) racing with the same code cannot both redeem it: the engine's own
 * `consumed` flag is read and then written, which alone would let both through
 * (RFC 6749 §4.1.2: a code is used once). The engine's consume follows, so the code is
 * dead to the token endpoint too.
 */
export async function redeemAuthorizationCode(
  provider: Provider,
  value: string,
  claimOnce: (jti: string) => Promise<boolean>,
): Promise<RedeemedCode | undefined> {
  let code: EngineCode | undefined;
  try {
    code = (await provider.AuthorizationCode.find(value)) as unknown as EngineCode | undefined;
  } catch {
    // A value the engine cannot even parse is simply not a code.
    return undefined;
  }
  if (!code || code.isExpired || code.consumed) return undefined;
  if (!code.clientId || !code.accountId || !code.redirectUri) return undefined;
  if (!(await claimOnce(code.jti))) return undefined;
  await code.consume();
  return {
    clientId: code.clientId,
    accountId: code.accountId,
    redirectUri: code.redirectUri,
    ...(code.codeChallenge ? { codeChallenge: code.codeChallenge } : {}),
    ...(code.codeChallengeMethod ? { codeChallengeMethod: code.codeChallengeMethod } : {}),
    ...(code.nonce ? { nonce: code.nonce } : {}),
    ...(code.acr ? { acr: code.acr } : {}),
    ...(Array.isArray(code.amr) ? { amr: code.amr } : {}),
    ...(typeof code.authTime === 'number' ? { authTime: code.authTime } : {}),
    ...(code.sessionUid ? { sessionUid: code.sessionUid } : {}),
  };
}
