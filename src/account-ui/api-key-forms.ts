import { z } from 'zod';
import type { ApiKey, DelegableResource } from '../clients/api-keys.js';
import type { ResourceGrant } from '../clients/client-resources-repo.js';

/** What the API-key forms post, bounded before anything reads it. */
const createForm = z.object({
  name: z.string().max(1024).default(''),
  // One checkbox per delegable scope: "INDICATOR SCOPE" (neither a URI nor a scope token holds a space).
  grant: z
    .union([z.string().max(2048), z.array(z.string().max(2048)).max(200)])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v])),
  expires: z.string().max(64).default(''),
});

export interface CreateInput {
  name: string;
  grants: ResourceGrant[];
  /** The ticked boxes, to tick them again when the form comes back with an error. */
  chosen: string[];
  expiresText: string;
  expiresAt: Date | undefined;
}

/**
 * The expiry is a calendar date (an `<input type=date>`, YYYY-MM-DD): the key stops at
 * the start of that day, UTC, which the page says. Anything else is "no date".
 */
export function parseExpiry(text: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const at = new Date(`${text}T00:00:00Z`);
  return Number.isNaN(at.getTime()) || at.toISOString().slice(0, 10) !== text ? undefined : at;
}

export function parseCreateForm(body: unknown): CreateInput {
  const form = createForm.parse(body ?? {});
  const byResource = new Map<string, string[]>();
  for (const value of form.grant) {
    const space = value.indexOf(' ');
    if (space < 1) continue;
    const indicator = value.slice(0, space);
    byResource.set(indicator, [...(byResource.get(indicator) ?? []), value.slice(space + 1)]);
  }
  return {
    name: form.name,
    grants: [...byResource].map(([indicator, scopes]) => ({ indicator, scopes })),
    chosen: form.grant,
    expiresText: form.expires.trim(),
    expiresAt: parseExpiry(form.expires.trim()),
  };
}

/** The rotation's choice: the old secret stops now, or after a day of overlap. */
export const OVERLAPS: Readonly<Record<string, number>> = { now: 0, day: 24 * 3600 };

export function parseOverlap(body: unknown): number {
  const value = (body as Record<string, unknown> | undefined)?.overlap;
  return typeof value === 'string' && Object.hasOwn(OVERLAPS, value) ? OVERLAPS[value]! : 0;
}

// POSIX shell single quotes: everything literal, a quote closed, escaped, reopened.
const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A ready command for the token endpoint, one per API the key may call (a token is for
 * one resource, RFC 8707 §2). The secret goes as client_secret_basic (RFC 6749 §2.3.1;
 * base64url ids and secrets need no form-encoding).
 */
export function curlLines(tokenEndpoint: string, key: { clientId: string; clientSecret: string; grants: ResourceGrant[] }): string[] {
  return key.grants.map((g) =>
    [
      'curl -s',
      `-u ${sh(`${key.clientId}:${key.clientSecret}`)}`,
      '-d grant_type=client_credentials',
      `--data-urlencode ${sh(`resource=${g.indicator}`)}`,
      `--data-urlencode ${sh(`scope=${g.scopes.join(' ')}`)}`,
      sh(tokenEndpoint),
    ].join(' '),
  );
}

/** The key's permissions in words: "Reports API: reports:read, reports:write". */
export function describeGrants(key: Pick<ApiKey, 'grants'>, resources: readonly DelegableResource[]): string {
  return key.grants.map((g) => `${resources.find((r) => r.indicator === g.indicator)?.name ?? g.indicator}: ${g.scopes.join(', ')}`).join('; ');
}

/** YYYY-MM-DD of a date, UTC (the date input's value). */
export const dayOf = (d: Date) => d.toISOString().slice(0, 10);
