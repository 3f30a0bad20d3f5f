import type { ZxcvbnFactory, ZxcvbnResult } from '@zxcvbn-ts/core';
import { PASSWORD_MAX_LENGTH } from './passwords.js';
import { onceOutsideRequests } from '../common/outside-requests.js';

/**
 * The rules for a new password, after NIST SP 800-63B-4 §3.1.1.2: a minimum length and
 * a blocklist, no composition rules. The blocklist is the offline zxcvbn-ts dictionaries
 * (common and breached passwords, common words and names) plus the person's own email,
 * name and the product name.
 */
export interface PasswordPolicy {
  /** Minimum length in code points (LATCHKEY_PASSWORD_MIN_LENGTH; NIST: at least 15 when a password is the only factor). */
  minLength: number;
  /** The product name, which passwords must not be built from. */
  productName: string;
}

/**
 * Passwords are compared after NFKC normalisation (§3.1.1.2: "SHOULD apply the
 * Normalization Process for Stabilized Strings using either the NFKC or NFKD"), so the
 * same password typed on two keyboards that compose characters differently still matches.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** Length as people count it: code points, not UTF-16 units (§3.1.1.2: "each Unicode code point SHALL be counted as a single character"). */
export function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * Whether `password` is within PASSWORD_MAX_LENGTH, measured as the policy measures a new
 * one (code points after NFKC), so every password that could be set can also be typed to
 * sign in. Raw input beyond four UTF-16 units per allowed character (more than any
 * composing keyboard sends: Hangul jamo compose three to one) is refused unnormalised,
 * so a huge body costs no normalisation.
 */
export function withinMaxLength(password: string): boolean {
  return password.length <= 4 * PASSWORD_MAX_LENGTH && codePoints(normalizePassword(password)) <= PASSWORD_MAX_LENGTH;
}

/**
 * Built once, on the first new password: the dictionaries are about 17 MB of strings in
 * the heap and take a few hundred milliseconds to load, which a process that only signs
 * people in (or a restart) should not pay for. Loaded lazily, they stay loaded.
 */
const estimator = onceOutsideRequests(async (): Promise<ZxcvbnFactory> => {
  const [{ ZxcvbnFactory }, common, english] = await Promise.all([
    import('@zxcvbn-ts/core'),
    import('@zxcvbn-ts/language-common'),
    import('@zxcvbn-ts/language-en'),
  ]);
  return new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...english.dictionary },
    graphs: common.adjacencyGraphs,
    translations: english.translations,
  });
});

/** What a password may not be built from: the email (whole and its parts), the name, the product. */
function personalWords(context: { email?: string; name?: string }, productName: string): string[] {
  const words = new Set<string>();
  const add = (w: string | undefined) => {
    const v = w?.trim().toLowerCase();
    if (v && codePoints(v) >= 3) words.add(v);
  };
  const email = context.email?.trim().toLowerCase();
  if (email) {
    add(email);
    const [local, domain] = email.split('@');
    add(local);
    for (const part of (local ?? '').split(/[._+-]+/)) add(part);
    for (const part of (domain ?? '').split('.').slice(0, -1)) add(part);
  }
  add(context.name);
  for (const part of context.name?.split(/\s+/) ?? []) add(part);
  add(productName);
  return [...words];
}

function builtFromPersonalWords(result: ZxcvbnResult): boolean {
  return result.sequence.some((match) => match.pattern === 'dictionary' && 'dictionaryName' in match && match.dictionaryName === 'userInputs');
}

/**
 * Why `password` may not be used as a new password, or undefined when it may.
 * `password` is what the person typed; it is normalised here.
 */
export async function checkNewPassword(password: string, context: { email?: string; name?: string }, policy: PasswordPolicy): Promise<string | undefined> {
  const normalized = normalizePassword(password);
  const length = codePoints(normalized);
  if (length < policy.minLength) return `Use at least ${policy.minLength} characters. A few unrelated words make a long password that is easy to remember.`;
  if (length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  const words = personalWords(context, policy.productName);
  const lowered = normalized.toLowerCase();
  // A password that is mostly the email, the name or the product name falls to the first guesses of anyone who knows them.
  const result = (await estimator()).check(normalized.slice(0, 100), words);
  if (builtFromPersonalWords(result) && result.score < 4) {
    return `Do not build your password from your email address, your name or "${policy.productName}".`;
  }
  if (words.some((w) => lowered === w || lowered.replaceAll(w, '').length < 4)) {
    return `Do not build your password from your email address, your name or "${policy.productName}".`;
  }
  if (result.score < 3) {
    return 'This password is too common or too easy to guess (it is in lists of leaked and often-used passwords, or built from common words in a predictable way). Choose another.';
  }
  return undefined;
}
