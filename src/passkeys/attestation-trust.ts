import { readFileSync } from 'node:fs';
import type { X509Certificate } from 'node:crypto';
import { ConfigError, type Config } from '../config/config.js';
import { verifyMdsBlob } from './mds-blob.js';
import { createMds, type Mds } from './mds.js';
import { anchorOf, chainTo, parsePemBundle, type TrustAnchor } from './x509-chain.js';

/**
 * The trust anchors an operator configured for passkey attestation (DESIGN.md
 * "Hardware"), and the one rule that makes a passkey hardware-attested: its attestation
 * chained to one of them at registration, that anchor is still configured, its model is
 * allowed and not reported compromised, and it cannot be synced (BE flag 0).
 */
export interface AttestationTrust {
  /** Whether any anchor is configured; without one Latchkey asks for no attestation and never issues phrh. */
  readonly configured: boolean;
  readonly mds: Mds | undefined;
  /** The anchor a verified statement's x5c chains to for this model, if any (WebAuthn §7.1 step 23). */
  anchorFor(x5c: readonly X509Certificate[], aaguid: string, now: Date): TrustAnchor | undefined;
  /** The FIDO status that refuses this model, when the MDS reports it compromised or revoked. */
  refusedStatus(aaguid: string): string | undefined;
  /** Whether the model may count as hardware (LATCHKEY_WEBAUTHN_AAGUID_ALLOWLIST). */
  allowed(aaguid: string): boolean;
  /** The rule above, for a stored credential. */
  hardwareAttested(passkey: { aaguid: string; backupEligible: boolean; attestationAnchor: string | null }): boolean;
}

function fromConfig(config: Pick<Config, 'attestation'>, mds: Mds | undefined, roots: readonly TrustAnchor[]): AttestationTrust {
  const allowlist = config.attestation.aaguidAllowlist && new Set(config.attestation.aaguidAllowlist);
  const rootFingerprints = new Set(roots.map((r) => r.fingerprint));
  const allowed = (aaguid: string) => !allowlist || allowlist.has(aaguid.toLowerCase());
  const refusedStatus = (aaguid: string) => mds?.refusedStatus(aaguid);
  return Object.freeze({
    configured: roots.length > 0 || mds !== undefined,
    mds,
    anchorFor(x5c: readonly X509Certificate[], aaguid: string, now: Date) {
      // MDS roots vouch only for their own model (FIDO MDS §4); PEM roots for any.
      return chainTo(x5c, [...(mds?.anchorsFor(aaguid) ?? []), ...roots], now);
    },
    refusedStatus,
    allowed,
    hardwareAttested(p: { aaguid: string; backupEligible: boolean; attestationAnchor: string | null }) {
      if (p.backupEligible || !p.attestationAnchor || !allowed(p.aaguid) || refusedStatus(p.aaguid)) return false;
      // The anchor must still be configured: removing a root withdraws what it vouched for.
      return rootFingerprints.has(p.attestationAnchor) || (mds?.anchorsFor(p.aaguid).some((a) => a.fingerprint === p.attestationAnchor) ?? false);
    },
  });
}

/** No anchors: nothing is hardware-attested (tools and tests that need no attestation). */
export const NO_TRUST: AttestationTrust = fromConfig({ attestation: { mdsFile: undefined, mdsRoot: undefined, trustRoots: undefined, aaguidAllowlist: undefined } }, undefined, []);

function readFile(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n  ${variable}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function readRoots(variable: string, path: string, source: string): TrustAnchor[] {
  try {
    return parsePemBundle(readFile(variable, path)).map((c) => anchorOf(c, source));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`Invalid configuration:\n  ${variable}: ${path}: ${(err as Error).message}`);
  }
}

/**
 * `latchkey mds import`: a BLOB and its root given as text, checked as start-up would
 * check them; throws an Error whose message says what is wrong.
 */
export function inspectMds(blob: string, rootPem: string, now: Date): Mds {
  const roots = parsePemBundle(rootPem).map((c) => anchorOf(c, 'FIDO MDS root'));
  return createMds(verifyMdsBlob(blob, roots, now));
}

/** Reads and checks the MDS BLOB file against its root; a bad BLOB stops start-up naming the variable. */
export function loadMds(blobPath: string, rootPath: string, now: Date): Mds {
  const roots = readRoots('LATCHKEY_FIDO_MDS_ROOT', rootPath, 'FIDO MDS root');
  try {
    return createMds(verifyMdsBlob(readFile('LATCHKEY_FIDO_MDS_FILE', blobPath), roots, now));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`Invalid configuration:\n  LATCHKEY_FIDO_MDS_FILE: ${blobPath}: ${(err as Error).message}`);
  }
}

/** The configured anchors, read once at start. Throws ConfigError (one variable, one reason). */
export function loadAttestationTrust(config: Pick<Config, 'attestation'>, now: Date = new Date()): AttestationTrust {
  const { mdsFile, mdsRoot, trustRoots } = config.attestation;
  const mds = mdsFile && mdsRoot ? loadMds(mdsFile, mdsRoot, now) : undefined;
  const roots = trustRoots ? readRoots('LATCHKEY_WEBAUTHN_TRUST_ROOTS', trustRoots, 'trust root') : [];
  return fromConfig(config, mds, roots);
}
