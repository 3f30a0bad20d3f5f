import { randomBytes } from 'node:crypto';
import { sha256 } from '../common/hash.js';

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

/**
 * The account's tag in device cookies, bound to its password: a change or a reset turns
 * every browser that knew the account into a stranger again, so a browser that signed in
 * with a password its owner has since replaced (the one who stole it, say) keeps neither
 * the owner's failure and mail budgets nor a sign-in without the "new sign-in" mail. An
 * account whose password never changed keeps the tag it had before the binding.
 */
export function accountTag(account: DeviceAccount): string {
  const changed = account.passwordChangedAt?.getTime();
  // 128 bits of SHA-256: enough to tell accounts apart, and the cookie's signature vouches for it.
  return sha256(changed ? `latchkey device account\0${account.id}\0${changed}` : `latchkey device account\0${account.id}`).slice(0, 22);
}

export function knowsAccount(device: KnownDevice | undefined, account: DeviceAccount): boolean {
  return Boolean(device?.accounts.includes(accountTag(account)));
}

/** This device (or a new one) with `account` remembered first. */
export function rememberAccount(device: KnownDevice | undefined, account: DeviceAccount): KnownDevice {
  const tag = accountTag(account);
  const others = (device?.accounts ?? []).filter((t) => t !== tag);
  return { id: device?.id ?? randomBytes(16).toString('base64url'), accounts: [tag, ...others].slice(0, MAX_ACCOUNTS_PER_DEVICE) };
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
