import { X509Certificate } from 'node:crypto';
import type { AttestationTrust } from './attestation-trust.js';
import { PasskeyError } from './passkey-error.js';
import { CHAIN_FORMATS, type WebAuthnLibrary } from './webauthn-library.js';
import { isValidAt, type TrustAnchor } from './x509-chain.js';

/**
 * The attestation statement of a registration (WebAuthn §8), read before and judged
 * after the library verifies it. The library checks each format's signature and
 * certificate fields; trust (WebAuthn §7.1 step 23) is decided here, against the
 * operator's anchors only.
 */

/** Formats the library verifies; anything else is refused with a readable reason. */
const KNOWN_FORMATS = new Set<string>([...CHAIN_FORMATS, 'none', 'android-safetynet']);

export interface Statement {
  fmt: string;
  x5c: X509Certificate[];
}

const FAILED = 'This security key\'s attestation could not be checked';
const TRY_ANOTHER = 'Try again, or use another passkey or security key.';

/**
 * Reads fmt and the x5c chain of a registration response's attestationObject. A damaged
 * object is left to the library (a generic refusal); damaged or expired certificates,
 * and formats Latchkey does not verify, are refused here with a reason people can act on.
 */
export function readStatement(lib: WebAuthnLibrary, attestationObject: string, now: Date): Statement | undefined {
  let fmt: string;
  let raw: unknown;
  try {
    const decoded = lib.decodeAttestationObject(lib.isoBase64URL.toBuffer(attestationObject));
    fmt = decoded.get('fmt');
    raw = decoded.get('attStmt').get('x5c');
  } catch {
    return undefined;
  }
  if (typeof fmt !== 'string' || !KNOWN_FORMATS.has(fmt)) {
    throw new PasskeyError('passkey.attestation_unsupported', `${FAILED}: its format (${String(fmt).slice(0, 40)}) is not one Latchkey verifies. ${TRY_ANOTHER}`);
  }
  if (raw === undefined) return { fmt, x5c: [] };
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > 10) throw new PasskeyError('passkey.attestation_certificate', `${FAILED}: its certificate chain is malformed. ${TRY_ANOTHER}`);
  const x5c = raw.map((der: unknown) => {
    try {
      if (!(der instanceof Uint8Array)) throw new Error('not bytes');
      return new X509Certificate(der);
    } catch {
      throw new PasskeyError('passkey.attestation_certificate', `${FAILED}: a certificate in it cannot be read. ${TRY_ANOTHER}`);
    }
  });
  if (!x5c.every((c) => isValidAt(c, now))) {
    throw new PasskeyError('passkey.attestation_certificate', `${FAILED}: its attestation certificate has expired or is not yet valid. ${TRY_ANOTHER}`);
  }
  return { fmt, x5c };
}

/** The library refused the statement itself (signature, certificate fields, AAGUID extension). */
export function statementRefused(fmt: string | undefined): PasskeyError | undefined {
  if (!fmt || fmt === 'none') return undefined;
  return new PasskeyError('passkey.attestation_invalid', `${FAILED}: its ${fmt} attestation statement does not verify. ${TRY_ANOTHER}`);
}

export interface AttestationResult {
  format: string;
  anchor: TrustAnchor | undefined;
}

/**
 * Judges a verified statement: a model the MDS reports compromised or revoked is
 * refused outright; otherwise the anchor its chain reaches, if any, is recorded. The
 * allow-list and the BE flag are applied when the credential is used
 * (attestation-trust.ts `hardwareAttested`), so what is stored is only what was proved.
 */
export function judgeStatement(trust: AttestationTrust, statement: Statement, aaguid: string, now: Date): AttestationResult {
  const status = trust.refusedStatus(aaguid);
  if (status) {
    throw new PasskeyError(
      'passkey.authenticator_refused',
      `This kind of security key has been reported as unsafe (FIDO status ${status}), so it cannot be added. Use another passkey or security key.`,
    );
  }
  const chainable = (CHAIN_FORMATS as readonly string[]).includes(statement.fmt) && statement.x5c.length > 0;
  return { format: statement.fmt, anchor: chainable ? trust.anchorFor(statement.x5c, aaguid, now) : undefined };
}
