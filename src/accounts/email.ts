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
