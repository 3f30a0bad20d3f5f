import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps dialling Google's hosts,
// which this closed network refuses.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Debian's Chromium through playwright-core (never a downloaded browser). */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ARGS, // playwright gives each launch a fresh temporary profile
  });
}

export interface BrowserSuiteContext {
  /** The suite's Chromium, launched before its first test and closed after its last. */
  readonly browser: Browser;
}

/**
 * A suite of tests that drive Chromium. Without Chromium, on a developer's machine the
 * suite is not registered (said on stderr: nothing counts as run); under CI=true it is
 * one failing test instead, so a CI image that lost its browser cannot pass.
 */
export function browserSuite(name: string, fn: (suite: BrowserSuiteContext) => void): void {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI === 'true') {
      describe(name, () => {
        test(`Chromium is installed at ${CHROMIUM}`, () => {
          throw new Error(`CI=true but ${CHROMIUM} is missing: apt-get install -y chromium`);
        });
      });
    } else {
      process.stderr.write(`${name}: not run, Chromium is not installed at ${CHROMIUM}\n`);
    }
    return;
  }
  describe(name, () => {
    let browser: Browser | undefined;
    before(async () => {
      browser = await launchBrowser();
    });
    after(async () => {
      await browser?.close();
    });
    fn({
      get browser() {
        if (!browser) throw new Error('the browser is launched in the suite\'s before hook');
        return browser;
      },
    });
  });
}

export interface VirtualAuthenticatorOptions {
  defaultBackupEligibility?: boolean;
  defaultBackupState?: boolean;
  isUserVerified?: boolean;
}

export interface VirtualAuthenticator {
  cdp: CDPSession;
  authenticatorId: string;
  getCredentials(): Promise<Array<{ credentialId: string; isResidentCredential: boolean; signCount: number; userHandle?: string }>>;
}

/** A CTAP2 platform authenticator with resident keys and user verification, via CDP. */
export async function addVirtualAuthenticator(page: Page, options: VirtualAuthenticatorOptions = {}): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: options.isUserVerified ?? true,
      automaticPresenceSimulation: true,
      ...(options.defaultBackupEligibility !== undefined ? { defaultBackupEligibility: options.defaultBackupEligibility } : {}),
      ...(options.defaultBackupState !== undefined ? { defaultBackupState: options.defaultBackupState } : {}),
    },
  });
  return {
    cdp,
    authenticatorId,
    async getCredentials() {
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      return credentials;
    },
  };
}
