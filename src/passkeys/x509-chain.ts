import { X509Certificate } from 'node:crypto';

/**
 * Certificate paths for attestation and the MDS BLOB, with node:crypto only. The
 * library's own path validation is not used: it fetches CRLs named in certificates, and
 * Latchkey fetches nothing at run time (revocation comes from the MDS status reports).
 */
export interface TrustAnchor {
  readonly cert: X509Certificate;
  /** SHA-256 of the DER, lowercase hex: what a credential stores to name its anchor. */
  readonly fingerprint: string;
  /** For people: where the anchor came from and its subject. */
  readonly label: string;
}

export function fingerprintOf(cert: X509Certificate): string {
  return cert.fingerprint256.replace(/:/g, '').toLowerCase();
}

function commonName(cert: X509Certificate): string {
  const cn = /^CN=(.*)$/m.exec(cert.subject)?.[1];
  return cn ?? cert.subject.split('\n').join(', ');
}

export function anchorOf(cert: X509Certificate, source: string): TrustAnchor {
  return Object.freeze({ cert, fingerprint: fingerprintOf(cert), label: `${source}: ${commonName(cert)}` });
}

/** Every certificate of a PEM bundle; throws a short reason when there is none or one is damaged. */
export function parsePemBundle(text: string): X509Certificate[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error('no PEM certificate (-----BEGIN CERTIFICATE-----) in the file');
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new Error(`certificate ${i + 1} of the file cannot be read`);
    }
  });
}

export function isValidAt(cert: X509Certificate, now: Date): boolean {
  return new Date(cert.validFrom) <= now && now <= new Date(cert.validTo);
}

function issuedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  // RFC 5280 §6.1.3: the issuer's name and signature; §4.2.1.9: an issuer is a CA.
  return issuer.ca && child.checkIssued(issuer) && child.verify(issuer.publicKey);
}

/**
 * The anchor `x5c` (leaf first, as WebAuthn §8 and JWS x5c order it) chains to at
 * `now`, or undefined. Each certificate is in its validity period, each is signed by
 * the next (a CA), and the last is an anchor or signed by one. A leaf that is itself an
 * anchor counts (FIDO MDS §3.1.4: an attestation root may be the attestation
 * certificate). Path-length and name constraints are not evaluated: anchors are roots
 * the operator chose for this one purpose.
 */
export function chainTo(x5c: readonly X509Certificate[], anchors: readonly TrustAnchor[], now: Date): TrustAnchor | undefined {
  if (x5c.length === 0 || !x5c.every((c) => isValidAt(c, now))) return undefined;
  for (let i = 0; i + 1 < x5c.length; i++) if (!issuedBy(x5c[i]!, x5c[i + 1]!)) return undefined;
  const last = x5c[x5c.length - 1]!;
  for (const anchor of anchors) {
    if (!isValidAt(anchor.cert, now)) continue;
    if (last.raw.equals(anchor.cert.raw) || issuedBy(last, anchor.cert)) return anchor;
  }
  return undefined;
}
