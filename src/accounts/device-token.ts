import { randomBytes } from 'node:crypto';
import { sha256 } from '../common/hash.js';
import { passwordVersion } from './accounts-repo.js';

/**
 * What a browser's device cookie names (OWASP Authentication Cheat Sheet, "Slow down
 * online guessing attacks with device cookies"): a random device id and the accounts
 * that signed in from it, each as a tag (a hash of the account id, so the cookie does
 * not carry the id itself). The cookie is signed with the app's cookie keys
 * (interactions/device-cookie.ts), so neither part can be made up.
 */
export interface KnownDevice {
  id: string;
  /** Tags of accounts that signed in from this browser, newest first. */
  accounts: readonly string[];
}

/** A shared browser may hold a few accounts; the oldest drops off beyond this. */
export const MAX_ACCOUNTS_PER_DEVICE = 5;

const ID = /^[A-Za-z0-9_-]{22}$/;
const TAG = /^[A-Za-z0-9_-]{22}$/;

/** What a device cookie knows an account by: its id, and the password it signed in with. */
export interface DeviceAccount {
  id: string;
  /** When the password last changed (accounts-repo.ts); null or absent when it never has. */
  passwordChangedAt?: Date | null | undefined;
}

// A tag is 22 characters (128 bits of SHA-256: enough to tell accounts apart, and the
// cookie's signature vouches for it). Once the password has changed, its first half
// names the account and its second the password, so a browser that signed in with an
// earlier password is still recognised as one that knew the account.
const HALF = 11;
const accountOnlyTag = (id: string) => sha256(`latchkey device account\0${id}`).slice(0, 2 * HALF);
const accountHalf = (id: string) => sha256(`latchkey device account id\0${id}`).slice(0, HALF);
const passwordHalf = (id: string, version: number) => sha256(`latchkey device password\0${id}\0${version}`).slice(0, HALF);

/**
 * The account's tag in device cookies, bound to its current password: an account whose
 * password never changed keeps the tag it had before the binding (so no cookie set then
 * is dropped); after a change or a reset, the tag is new.
 */
export function accountTag(account: DeviceAccount): string {
  const version = passwordVersion(account);
  return version ? accountHalf(account.id) + passwordHalf(account.id, version) : accountOnlyTag(account.id);
}

/** Any tag this browser holds for the account, whichever password it signed in with. */
const tagsOf = (device: KnownDevice | undefined, id: string) => {
  const old = accountOnlyTag(id);
  const half = accountHalf(id);
  return (device?.accounts ?? []).filter((t) => t === old || t.startsWith(half));
};

/**
 * Whether this browser signed in to the account with its current password: the owner's
 * known browser, which gets the owner's mail budget and signs in without the "new sign-in"
 * mail. A change or a reset ends that for every browser (the one who stole the old
 * password included) until it signs in with the new one.
 */
export function knowsAccount(device: KnownDevice | undefined, account: DeviceAccount): boolean {
  return Boolean(device?.accounts.includes(accountTag(account)));
}

/**
 * Whether this browser ever signed in to the account, with any of its passwords: it keeps
 * a failure budget of its own (accounts/password-login.ts), so strangers' guesses after a
 * change cannot lock out the owner's other browsers. All a thief's browser keeps of it is
 * a few guesses of its own against the new password.
 */
export function knewAccount(device: KnownDevice | undefined, account: DeviceAccount): boolean {
  return tagsOf(device, account.id).length > 0;
}

/** This device (or a new one) with `account` remembered first, in place of any older tag of it. */
export function rememberAccount(device: KnownDevice | undefined, account: DeviceAccount): KnownDevice {
  const earlier = new Set(tagsOf(device, account.id));
  const others = (device?.accounts ?? []).filter((t) => !earlier.has(t));
  return { id: device?.id ?? randomBytes(16).toString('base64url'), accounts: [accountTag(account), ...others].slice(0, MAX_ACCOUNTS_PER_DEVICE) };
}

export function encodeDevice(device: KnownDevice): string {
  return `v1.${device.id}.${device.accounts.join('~')}`;
}

/** The device a (signature-checked) cookie value names, or undefined for anything malformed. */
export function decodeDevice(value: string | undefined): KnownDevice | undefined {
  if (!value || value.length > 200) return undefined;
  const [version, id, tags, ...rest] = value.split('.');
  if (version !== 'v1' || rest.length || !id || !ID.test(id) || !tags) return undefined;
  const accounts = tags.split('~');
  if (accounts.length > MAX_ACCOUNTS_PER_DEVICE || !accounts.every((t) => TAG.test(t))) return undefined;
  return { id, accounts };
}
