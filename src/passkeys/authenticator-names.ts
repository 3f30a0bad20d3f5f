import { readFileSync } from 'node:fs';
import { fromPackageRoot } from '../common/package-root.js';

/**
 * Where a passkey lives ("iCloud Keychain", "Google Password Manager", "YubiKey 5
 * Series"), from the AAGUID its authenticator put in the attested credential data
 * (WebAuthn §6.5.2). The AAGUID is the authenticator's own claim: it names, it proves
 * nothing (that is attestation's job), so it is only ever shown, never trusted.
 */

/** A source of names by AAGUID: the FIDO Metadata Service BLOB when the operator configured one. */
export interface AaguidNameSource {
  nameOf(aaguid: string): string | undefined;
}

export interface AuthenticatorEntry {
  name: string;
  /** data: URIs (the upstream list's format), shown beside the name when present. */
  iconLight?: string;
  iconDark?: string;
}

/** The all-zero AAGUID: the authenticator chose not to say (WebAuthn §6.5.2, "none" attestation may zero it). */
export const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';
const AAGUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Only inert raster or SVG images as base64 data: URIs; an <img> never runs an SVG's
// script, and the CSP allows data: for img-src only.
const ICON = /^data:image\/(?:svg\+xml|png|webp);base64,[A-Za-z0-9+/]+={0,2}$/;
const MAX_ICON_CHARS = 64 * 1024;
const MAX_NAME_CHARS = 128;

function icon(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= MAX_ICON_CHARS && ICON.test(value) ? value : undefined;
}

/** A readable line of text, or nothing: control and format characters would disturb pages and mails. */
function cleanName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const name = value.normalize('NFC').replace(/[\p{Cc}\p{Cf}]/gu, '').trim();
  return name && name.length <= MAX_NAME_CHARS ? name : undefined;
}

export function normaliseAaguid(aaguid: string): string | undefined {
  const a = aaguid.trim().toLowerCase();
  return AAGUID.test(a) && a !== ZERO_AAGUID ? a : undefined;
}

/**
 * The bundled table's format (aaguid-names/README.md): `{ "aaguids": { "<aaguid>":
 * { "name", "icon_light"?, "icon_dark"? } } }`. Entries that do not fit are left out,
 * so a bad refresh can drop a name but never put markup or a remote URL on a page.
 */
export function parseAaguidTable(json: unknown): ReadonlyMap<string, AuthenticatorEntry> {
  const table = new Map<string, AuthenticatorEntry>();
  const entries = json && typeof json === 'object' ? (json as { aaguids?: unknown }).aaguids : undefined;
  if (!entries || typeof entries !== 'object') return table;
  for (const [key, value] of Object.entries(entries as Record<string, unknown>)) {
    const aaguid = normaliseAaguid(key);
    const v = value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
    const name = cleanName(v.name);
    if (!aaguid || !name) continue;
    const iconLight = icon(v.icon_light);
    const iconDark = icon(v.icon_dark) ?? iconLight;
    table.set(aaguid, { name, ...(iconLight ? { iconLight, iconDark } : {}) });
  }
  return table;
}

let bundled: ReadonlyMap<string, AuthenticatorEntry> | undefined;

/** The table shipped in aaguid-names/aaguids.json, read once. */
export function bundledTable(): ReadonlyMap<string, AuthenticatorEntry> {
  bundled ??= parseAaguidTable(JSON.parse(readFileSync(fromPackageRoot('src', 'passkeys', 'aaguid-names', 'aaguids.json'), 'utf8')));
  return bundled;
}

/**
 * The provider's name for an AAGUID: the operator's FIDO MDS first (authoritative for
 * certified authenticators), then the bundled table. Undefined for the all-zero AAGUID
 * and for AAGUIDs neither knows.
 */
export function authenticatorName(aaguid: string, mds?: AaguidNameSource): string | undefined {
  const key = normaliseAaguid(aaguid);
  if (!key) return undefined;
  return cleanName(mds?.nameOf(key)) ?? bundledTable().get(key)?.name;
}

/** The bundled table's icons for an AAGUID, when it has them. */
export function authenticatorIcons(aaguid: string): Pick<AuthenticatorEntry, 'iconLight' | 'iconDark'> | undefined {
  const key = normaliseAaguid(aaguid);
  const entry = key ? bundledTable().get(key) : undefined;
  return entry?.iconLight ? { iconLight: entry.iconLight, iconDark: entry.iconDark } : undefined;
}

/** Longest name a passkey may carry (the rename form's limit). */
export const PASSKEY_NAME_MAX = 64;
/** What a new passkey is called when nobody named it and its AAGUID is unknown. */
export const DEFAULT_PASSKEY_NAME = 'Passkey';

/**
 * The name a new passkey is stored under: what the person typed; else where it lives
 * (its provider's name); else the default. A provider name longer than a passkey name
 * may be is cut at a word boundary where one is near.
 */
export function newPasskeyName(typed: string | undefined, aaguid: string, mds?: AaguidNameSource): string {
  const own = typed?.trim();
  if (own) return own.slice(0, PASSKEY_NAME_MAX);
  const provider = authenticatorName(aaguid, mds);
  if (!provider) return DEFAULT_PASSKEY_NAME;
  if (provider.length <= PASSKEY_NAME_MAX) return provider;
  const cut = provider.slice(0, PASSKEY_NAME_MAX);
  const space = cut.lastIndexOf(' ');
  return (space > PASSKEY_NAME_MAX / 2 ? cut.slice(0, space) : cut).trim();
}
