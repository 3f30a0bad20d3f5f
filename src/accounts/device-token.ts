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

export function accountTag(accountId: string): string {
  // 128 bits of SHA-256: enough to tell accounts apart, and the cookie's signature vouches for it.
  return sha256(`latchkey device account\0${accountId}`).slice(0, 22);
}

export function knowsAccount(device: KnownDevice | undefined, accountId: string): boolean {
  return Boolean(device?.accounts.includes(accountTag(accountId)));
}

/** This device (or a new one) with `accountId` remembered first. */
export function rememberAccount(device: KnownDevice | undefined, accountId: string): KnownDevice {
  const tag = accountTag(accountId);
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
