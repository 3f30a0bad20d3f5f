import type { Context } from 'koa';
import { decodeDevice, encodeDevice, knowsAccount, type KnownDevice } from '../accounts/device-token.js';

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

/** The device this browser's cookie names, if the cookie is there and its signature checks out. */
export function readDevice(ctx: Context, issuer: string): KnownDevice | undefined {
  return decodeDevice(ctx.cookies.get(deviceCookieName(issuer), { signed: true }));
}

/** Sets (or renews) the device cookie, signed with the app's cookie keys. */
export function writeDevice(ctx: Context, issuer: string, device: KnownDevice): void {
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
 * Whether this browser's device cookie says it has signed in to the account (one of the
 * owner's known browsers): such a browser gets budgets that strangers cannot spend.
 * `accountId` is asked only when the cookie names any account, so a browser without one
 * costs no account lookup.
 */
export async function isOwnerBrowser(ctx: Context, issuer: string, accountId: () => Promise<string | undefined>): Promise<boolean> {
  const device = readDevice(ctx, issuer);
  if (!device?.accounts.length) return false;
  const id = await accountId();
  return id !== undefined && knowsAccount(device, id);
}
