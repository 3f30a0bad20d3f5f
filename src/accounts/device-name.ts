import { UAParser } from 'ua-parser-js';

/**
 * A device as a person reads it in a mail or a list: "Firefox on macOS". The User-Agent
 * is the client's to choose, so this is a description, never evidence; names are
 * bounded, and an unrecognised agent is "an unknown browser".
 */
export function deviceName(userAgent: string | undefined): string {
  if (!userAgent) return 'an unknown browser';
  const { browser, os } = UAParser(userAgent.slice(0, 512));
  const clip = (s: string | undefined) => s?.replace(/[^\p{L}\p{N} ._()-]/gu, '').slice(0, 40) || undefined;
  const b = clip(browser.name);
  const o = clip(os.name);
  if (b && o) return `${b} on ${o}`;
  return b ?? (o ? `a browser on ${o}` : 'an unknown browser');
}
