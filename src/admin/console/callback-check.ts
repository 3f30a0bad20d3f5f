import { safeEqual, sha256 } from '../../common/hash.js';
import { meets } from '../../provider/acr-policy.js';
import type { Acr } from '../../provider/assurance.js';
import type { RedeemedCode } from '../../provider/oidc-internals.js';

/** What the console's own sign-in request said, kept server-side until the callback. */
export interface Expected {
  clientId: string;
  redirectUri: string;
  /** The PKCE code verifier (RFC 7636 §4.1). */
  verifier: string;
  nonce: string;
  /** LATCHKEY_ADMIN_ACR: the weakest sign-in the console accepts. */
  acr: Acr;
  /** The max_age the request sent: the sign-in's most recent factor must be this recent. */
  maxAgeSeconds: number;
  /** Seconds since the epoch, on Latchkey's clock (the clock that timed the factors). */
  now: number;
}

export type CallbackOutcome =
  | { ok: true; accountId: string; acr: string; amr: string[]; authTime: number; sessionUid: string }
  | { ok: false; why: 'invalid' | 'too_weak' | 'too_old' };

// A little slack for the seconds between the step and the callback.
const SKEW_SECONDS = 60;

/**
 * The checks a relying party makes on the token response and its ID token (OIDC Core
 * §3.1.3.7), made on the redeemed code that ID token would have been built from: the
 * code was issued to this client for this redirect URI (RFC 6749 §4.1.3), the verifier
 * matches its S256 challenge (RFC 7636 §4.6), the nonce is this sign-in's (§3.1.3.7
 * step 11), the acr reaches the console's bar (step 12) and auth_time is within max_age
 * (step 13). Every miss refuses the sign-in.
 */
export function checkCallback(code: RedeemedCode, expected: Expected): CallbackOutcome {
  const challenge = sha256(expected.verifier);
  const bound =
    code.clientId === expected.clientId &&
    code.redirectUri === expected.redirectUri &&
    code.codeChallengeMethod === 'S256' &&
    typeof code.codeChallenge === 'string' &&
    safeEqual(code.codeChallenge, challenge) &&
    typeof code.nonce === 'string' &&
    safeEqual(code.nonce, expected.nonce);
  if (!bound) return { ok: false, why: 'invalid' };
  if (!code.acr || !meets(code.acr, expected.acr)) return { ok: false, why: 'too_weak' };
  const authTime = code.authTime;
  if (authTime === undefined || expected.now - authTime > expected.maxAgeSeconds + SKEW_SECONDS) return { ok: false, why: 'too_old' };
  // The console's session is tied to the Latchkey session (guard.ts): a code from none is not enough.
  if (!code.sessionUid) return { ok: false, why: 'invalid' };
  return { ok: true, accountId: code.accountId, acr: code.acr, amr: code.amr ?? [], authTime, sessionUid: code.sessionUid };
}
