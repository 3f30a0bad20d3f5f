import { domainToASCII } from 'node:url';

/**
 * One identity per address: the canonical form every lookup, unique index and counter
 * uses, so no other spelling of an address (case, width, compatibility forms, spaces
 * around it) reaches a different account or opens a fresh failure budget (ASVS 5.0
 * V6.3). Trim, Unicode NFKC, then a locale-independent case fold (upper then lower, so
 * `ß` and `SS` fold together, as do the Turkish dotted and dotless `i`), then NFKC again
 * because folding can produce new compatibility sequences.
 */
export function canonicalEmail(input: string): string {
  return input.trim().normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

/**
 * A plausible address: one `@`, something on both sides, a dot in the domain, and none of
 * the characters that mean something else in a mail header (comments, quotes, routes,
 * lists: RFC 5322 §3.4), so what apps receive in the `email` claim is one plain address.
 * Delivery proves the rest.
 */
export function looksLikeEmail(canonical: string): boolean {
  return canonical.length <= 320 && /^[^\s@<>()[\]\\,;:"\p{Cc}]+@[^\s@<>()[\]\\,;:"\p{Cc}]+\.[^\s@<>()[\]\\,;:"\p{Cc}.]+$/u.test(canonical);
}

// Providers that ignore dots in the local part, and their second name for the same mailboxes.
const DOTLESS_DOMAINS = new Map([
  ['gmail.com', 'gmail.com'],
  ['googlemail.com', 'gmail.com'],
]);

/**
 * The mailbox a canonical address delivers to, as far as the common conventions tell:
 * the domain in its ASCII form (an IDN and its `xn--` spelling are one domain, RFC 5891),
 * the sub-address dropped (`alice+news@` → `alice@`: the `+` separator that Gmail,
 * Outlook, iCloud, Fastmail and Proton all honour; RFC 5233 leaves the separator to each
 * system) and, at Gmail, the dots and the domain's second name. Only for counting mail
 * (pages/rate-limit.ts mailLimit): each spelling stays its own address for accounts and
 * lookups, but a flood through `alice+1@`, `alice+2@`… lands in one inbox, so it spends
 * one budget. Other routes to one inbox (a `-` separator, catch-all domains) are the
 * receiving system's own and are not guessed at.
 */
export function mailboxOf(canonical: string): string {
  const at = canonical.lastIndexOf('@');
  if (at <= 0) return canonical;
  const domain = domainToASCII(canonical.slice(at + 1)) || canonical.slice(at + 1);
  const plus = canonical.indexOf('+');
  let local = plus > 0 && plus < at ? canonical.slice(0, plus) : canonical.slice(0, at);
  const dotless = DOTLESS_DOMAINS.get(domain);
  if (dotless === undefined) return `${local}@${domain}`;
  local = local.replaceAll('.', '');
  return `${local || canonical.slice(0, at)}@${dotless}`;
}
