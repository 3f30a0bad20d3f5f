import { UAParser } from 'ua-parser-js';

/**
 * A device as a person reads it ("Firefox on macOS", "Chrome on Android"), for the
 * sessions list and for mails about sign-ins and changes. Built only from the parsed
 * browser and OS names, so a crafted User-Agent cannot put its own text in a mail.
 */
export function describeDevice(userAgent: string | undefined): string {
  if (!userAgent) return 'an unknown device';
  const { browser, os } = UAParser(userAgent.slice(0, 512));
  const name = (value: string | undefined) => (value && /^[\w .\-()]{1,40}$/.test(value) ? value : undefined);
  const b = name(browser.name);
  const o = name(os.name);
  if (b && o) return `${b} on ${o}`;
  return b ?? o ?? 'an unknown device';
}
