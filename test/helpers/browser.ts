import { existsSync } from 'node:fs';
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

/**
 * Debian's Chromium through playwright-core (never a downloaded browser). Missing
 * Chromium: a failure under CI=true, undefined elsewhere so the caller can skip.
 */
export async function launchBrowser(): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI === 'true') throw new Error(`CI=true but ${CHROMIUM} is missing: apt-get install -y chromium`);
    return undefined;
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ARGS, // playwright gives each launch a fresh temporary profile
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
