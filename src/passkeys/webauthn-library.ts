/**
 * `@simplewebauthn/server`, loaded on first use rather than at start. With the ASN.1 and
 * X.509 packages under it, it is some 290 modules, a fifth of everything a start loads,
 * and only passkey ceremonies need it; the server preloads it once it is listening
 * (`preloadWebAuthn`), so the first ceremony does not wait for it either.
 */
import { onceOutsideRequests } from '../common/outside-requests.js';

type Server = typeof import('@simplewebauthn/server');
type Helpers = typeof import('@simplewebauthn/server/helpers');

export interface WebAuthnLibrary {
  generateRegistrationOptions: Server['generateRegistrationOptions'];
  generateAuthenticationOptions: Server['generateAuthenticationOptions'];
  verifyRegistrationResponse: Server['verifyRegistrationResponse'];
  verifyAuthenticationResponse: Server['verifyAuthenticationResponse'];
  decodeAttestationObject: Helpers['decodeAttestationObject'];
  isoBase64URL: Helpers['isoBase64URL'];
}

/** Formats whose x5c can chain to an anchor. */
export const CHAIN_FORMATS = ['packed', 'tpm', 'android-key', 'apple', 'fido-u2f'] as const;

async function load(): Promise<WebAuthnLibrary> {
  const [server, helpers] = await Promise.all([import('@simplewebauthn/server'), import('@simplewebauthn/server/helpers')]);
  // The library's process-wide roots would chain android-key and apple statements to its
  // built-in vendor roots, and its path validation fetches CRLs named in certificates.
  // Empty roots make it verify statements without judging trust (it then skips path
  // validation); x509-chain.ts judges trust against the configured anchors, offline.
  // Set here, before the library is handed to anyone, so no ceremony runs without it.
  for (const identifier of [...CHAIN_FORMATS, 'android-safetynet'] as const) server.SettingsService.setRootCertificates({ identifier, certificates: [] });
  return {
    generateRegistrationOptions: server.generateRegistrationOptions,
    generateAuthenticationOptions: server.generateAuthenticationOptions,
    verifyRegistrationResponse: server.verifyRegistrationResponse,
    verifyAuthenticationResponse: server.verifyAuthenticationResponse,
    decodeAttestationObject: helpers.decodeAttestationObject,
    isoBase64URL: helpers.isoBase64URL,
  };
}

/**
 * The library, loaded once per process outside the request that asked first; a failed
 * load is tried again by the next caller.
 */
export const webauthnLibrary: () => Promise<WebAuthnLibrary> = onceOutsideRequests(load);

/** Starts loading the library without waiting for it (main.ts, once the port is bound). */
export function preloadWebAuthn(): Promise<void> {
  return webauthnLibrary().then(() => undefined);
}
