import { UAParser } from 'ua-parser-js';

/**
 * A device as a person reads it ("Firefox on macOS"), from a User-Agent header, for the
 * sessions list and notice mails. The one owner of `ua-parser-js`. The header is the
 * browser's own claim: shown to help the owner recognise a session, never trusted.
 */
export function deviceName(userAgent: string | undefined): string {
  if (!userAgent) return 'Unknown device';
  const { browser, os } = UAParser(userAgent);
  if (browser.name && os.name) return `${browser.name} on ${os.name}`;
  return browser.name ?? os.name ?? 'Unknown device';
}
