import type { Account } from '../accounts/accounts-repo.js';
import type { Passkey } from '../passkeys/passkeys-repo.js';
import { assuranceFor, FRESH_SECONDS, isFresh, type Acr, type Factor } from '../provider/assurance.js';
import { meets, type AcrRequirement } from '../provider/acr-policy.js';

/** Factors verified so far in this interaction, kept in the interaction's result. */
export interface PendingLogin {
  accountId: string;
  factors: Factor[];
  /**
   * The proof a first passkey needs beyond the password (DESIGN.md "Binding"), kept
   * here, server-side, with its times (seconds since the epoch): when this sign-in
   * mailed a code, and when the right code came back.
   */
  codeSentAt?: number;
  codeConfirmedAt?: number;
  /**
   * Which password the `pwd` factor checked: the account's password_changed_at (ms; 0
   * when never changed) at the time. A reset or change moves it on, and a sign-in that
   * checked the old password cannot finish (context.ts `decideStep`).
   */
  passwordVersion?: number;
}

/** Where the first-passkey offer is: asked to mail a code, waiting for the code, or ready to create. */
export type EnrolStage = 'offer' | 'code' | 'create';

/**
 * The steps of a sign-in, one vocabulary everywhere: these names are the step modules
 * in this folder, the path segments under /interaction/:uid, and the `data-step`
 * attributes of the pages.
 */
export type StepName = Step['kind'];

export type Step =
  /** Who is signing in: email + password, or a discoverable passkey. */
  | { kind: 'sign-in'; lockedToAccount?: string }
  /** A passkey on top of what is already verified for this account. */
  | { kind: 'step-up'; accountId: string; allow: Passkey[]; carried: Factor[] }
  /**
   * The offer to create a first passkey after a password sign-in. `freshForSeconds` is
   * how long that password stays fresh enough to bind a passkey (FRESH_SECONDS after it
   * was verified); at 0 the offer is skipped, a page still showing it is refused before
   * any passkey options are issued, and options never outlive it. `stage` and
   * `createForSeconds`: the passkey options need a code mailed in this sign-in and
   * confirmed within FRESH_SECONDS, and live no longer than both the password and that
   * proof (0 until the code is confirmed).
   */
  | { kind: 'enrol'; pending: PendingLogin; freshForSeconds: number; stage: EnrolStage; createForSeconds: number }
  /** no_attested_key: phrh asked, and no passkey of the account is hardware-attested. */
  | { kind: 'unmet'; why: 'no_passkey' | 'no_attested_key' | 'unknown_acr' }
  /** `account`: the row decideStep (context.ts) read for it, passed on so the finish need not read it again. */
  | { kind: 'finish'; pending: PendingLogin; account?: Account };

export interface StepInput {
  requirement: AcrRequirement;
  /** oidc-provider's reasons for the login prompt (no_session, login_prompt, max_age, acr_bar…). */
  reasons: string[];
  /** The signed-in account and what its session already proved, when there is a session. */
  session?: { accountId: string; factors: Factor[] };
  pending?: PendingLogin;
  /** Passkeys of the account in play (pending's, else the session's). */
  passkeys: Passkey[];
  offerDismissed: boolean;
  /** Seconds since the epoch. */
  now: number;
}

// Reasons that mean "whoever signs in now": the full sign-in page, any account.
// (oidc-provider turns max_age=0 into prompt=login, so that one lands here too.)
const FULL_SIGN_IN = new Set(['no_session', 'login_prompt', 'id_token_hint', 'claims_id_token_sub_value']);

/** How long a dismissed passkey offer stays dismissed. */
export const OFFER_DISMISSED_SECONDS = 30 * 24 * 3600;

/** Passkeys that can reach `bar`: a hardware-attested one for phrh, any for phr. */
export function passkeysFor(bar: Acr | undefined, passkeys: Passkey[]): Passkey[] {
  return bar === 'phrh' ? passkeys.filter((p) => p.hardwareAttested) : passkeys;
}

function secondsLeft(at: number, now: number): number {
  return isFresh({ type: 'pwd', at }, FRESH_SECONDS, now) ? FRESH_SECONDS - (now - at) : 0;
}

function enrolStep(pending: PendingLogin, password: Factor, now: number): Step {
  const freshForSeconds = secondsLeft(password.at, now);
  // A confirmation only counts for a code this sign-in mailed, after it was mailed.
  const confirmed = pending.codeSentAt !== undefined && pending.codeConfirmedAt !== undefined && pending.codeConfirmedAt >= pending.codeSentAt;
  const proofForSeconds = confirmed ? secondsLeft(pending.codeConfirmedAt!, now) : 0;
  const stage: EnrolStage = proofForSeconds > 0 ? 'create' : pending.codeSentAt !== undefined ? 'code' : 'offer';
  return { kind: 'enrol', pending, freshForSeconds, stage, createForSeconds: Math.min(freshForSeconds, proofForSeconds) };
}

/**
 * What the sign-in asks for next. The login finishes only when the factors verified for
 * the account reach the bar; a bar that cannot be reached ends with
 * unmet_authentication_requirements, never a token at a lower level.
 */
export function nextStep(input: StepInput): Step {
  const { bar, unmeetable } = input.requirement;
  if (unmeetable) return { kind: 'unmet', why: 'unknown_acr' };
  const usable = passkeysFor(bar, input.passkeys);
  const cannot: Step = { kind: 'unmet', why: bar === 'phrh' ? 'no_attested_key' : 'no_passkey' };

  if (input.pending) {
    const { pending } = input;
    if (meets(assuranceFor(pending.factors).acr, bar)) {
      const password = pending.factors.find((f) => f.type === 'pwd');
      const onlyPassword = pending.factors.every((f) => f.type === 'pwd');
      return password && onlyPassword && input.passkeys.length === 0 && !input.offerDismissed
        ? enrolStep(pending, password, input.now)
        : { kind: 'finish', pending };
    }
    return usable.length ? { kind: 'step-up', accountId: pending.accountId, allow: usable, carried: pending.factors } : cannot;
  }

  if (!input.session || input.reasons.some((r) => FULL_SIGN_IN.has(r))) return { kind: 'sign-in' };

  // A session exists and is too old (max_age) or too weak (acr_bar): ask only for what
  // is missing, on top of the same account. Too old, none of its factors counts for this
  // authentication: `amr` lists the methods used in it (RFC 8176 §1), and with
  // `auth_time` now an old password in it would read as checked now.
  const carried = input.reasons.includes('max_age') ? [] : input.session.factors.filter((f) => f.type === 'pwd');
  if (usable.length) return { kind: 'step-up', accountId: input.session.accountId, allow: usable, carried };
  if (bar && !meets('pwd', bar)) return cannot;
  return { kind: 'sign-in', lockedToAccount: input.session.accountId };
}
