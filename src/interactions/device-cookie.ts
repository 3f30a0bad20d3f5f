import type { Context } from 'koa';
import { decodeDevice, encodeDevice, knowsAccount, rememberAccount, type DeviceAccount, type KnownDevice } from '../accounts/device-token.js';

// OWASP "device cookies": long-lived, so the owner's browser stays known between sign-ins.
const DEVICE_COOKIE_MAX_AGE_MS = 365 * 24 * 3600 * 1000;

/**
 * `__Host-` on https (RFC 6265bis §4.1.3.2): Secure, Path=/ and no Domain, so no
 * sibling host can set or overwrite it. Plain http (local development) cannot carry
 * the prefix.
 */
export function deviceCookieName(issuer: string): string {
  return issuer.startsWith('https:') ? '__Host-latchkey.device' : 'latchkey.device';
}

// The device as this response leaves it, once written: what a later step of the same
// request reads (a reset that signs in at once), not the cookie the request came with.
const WRITTEN = Symbol('latchkey.device');

/** The device this browser's cookie names, if the cookie is there and its signature checks out. */
export function readDevice(ctx: Context, issuer: string): KnownDevice | undefined {
  const written = (ctx.state as { [WRITTEN]?: KnownDevice })[WRITTEN];
  return written ?? decodeDevice(ctx.cookies.get(deviceCookieName(issuer), { signed: true }));
}

/** Sets (or renews) the device cookie, signed with the app's cookie keys. */
export function writeDevice(ctx: Context, issuer: string, device: KnownDevice): void {
  (ctx.state as { [WRITTEN]?: KnownDevice })[WRITTEN] = device;
  const https = issuer.startsWith('https:');
  // The issuer is https, so the browser talks TLS to Latchkey even when a proxy in front
  // ends it; the cookie must be Secure for its __Host- prefix.
  if (https) ctx.cookies.secure = true;
  ctx.cookies.set(deviceCookieName(issuer), encodeDevice(device), {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure: https,
    path: '/',
    maxAge: DEVICE_COOKIE_MAX_AGE_MS,
    overwrite: true,
  });
}

/**
 * Remembers `account` on this browser, for one that has just proved it is the owner's
 * by setting the password (a reset, a change from the account page): the change made
 * every browser a stranger (device-token.ts `accountTag`), this one included.
 */
export function rememberBrowser(ctx: Context, issuer: string, account: DeviceAccount): void {
  writeDevice(ctx, issuer, rememberAccount(readDevice(ctx, issuer), account));
}

/**
 * Whether this browser's device cookie says it has signed in to the account with its
 * current password (one of the owner's known browsers): such a browser gets budgets that
 * strangers cannot spend. `account` is asked only when the cookie names any account, so a
 * browser without one costs no account lookup.
 */
export async function isOwnerBrowser(ctx: Context, issuer: string, account: () => Promise<DeviceAccount | undefined>): Promise<boolean> {
  const device = readDevice(ctx, issuer);
  if (!device?.accounts.length) return false;
  const found = await account();
  return found !== undefined && knowsAccount(device, found);
}
