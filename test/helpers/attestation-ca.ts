import { KeyObject, sign, webcrypto } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// Test helpers only: @peculiar/x509 is installed as a dependency of @simplewebauthn/server
// (node has no certificate builder); src/ checks chains with node:crypto alone.
import 'reflect-metadata'; // @peculiar/x509's dependency injection needs it loaded first
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto); // node's webcrypto is the Web Crypto API; the DOM type differs in name only

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 3600 * 1000;
const ID_FIDO_GEN_CE_AAGUID = '1.3.6.1.4.1.45724.1.1.4';

export interface TestCert {
  cert: x509.X509Certificate;
  der: Uint8Array;
  pem: string;
  /** The private key as a node KeyObject, for signing attestation statements and JWTs. */
  key: KeyObject;
  cryptoKey: CryptoKey;
}

async function keys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
}

function wrap(cert: x509.X509Certificate, pair: CryptoKeyPair): TestCert {
  return { cert, der: new Uint8Array(cert.rawData), pem: cert.toString('pem'), key: KeyObject.from(pair.privateKey), cryptoKey: pair.privateKey };
}

/** A self-signed CA, valid from yesterday for `days`. */
export async function testRoot(name = 'Latchkey Test Attestation Root', days = 365): Promise<TestCert> {
  const pair = await keys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}, O=Latchkey Tests, C=US`,
    keys: pair,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + days * DAY),
    signingAlgorithm: EC,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  return wrap(cert, pair);
}

/** A certificate issued by `issuer`: a CA, an authenticator attestation leaf, or an MDS signer. */
export async function issue(
  issuer: TestCert,
  kind: { ca: string } | { attestation: string; aaguid?: string } | { signer: string },
  options: { notBefore?: Date; notAfter?: Date } = {},
): Promise<TestCert> {
  const pair = await keys();
  const extensions: x509.Extension[] = [];
  let subject: string;
  if ('ca' in kind) {
    subject = `CN=${kind.ca}, O=Latchkey Tests, C=US`;
    extensions.push(new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true));
  } else if ('attestation' in kind) {
    // WebAuthn §8.2.1: packed attestation certificate requirements.
    subject = `CN=${kind.attestation}, OU=Authenticator Attestation, O=Latchkey Tests, C=US`;
    extensions.push(new x509.BasicConstraintsExtension(false, undefined, true));
    if (kind.aaguid) {
      const bytes = Buffer.from(kind.aaguid.replace(/-/g, ''), 'hex');
      extensions.push(new x509.Extension(ID_FIDO_GEN_CE_AAGUID, false, Buffer.concat([Buffer.from([0x04, 0x10]), bytes]))); // OCTET STRING (16)
    }
  } else {
    subject = `CN=${kind.signer}, O=Latchkey Tests, C=US`;
    extensions.push(new x509.BasicConstraintsExtension(false, undefined, true));
  }
  const cert = await x509.X509CertificateGenerator.create({
    subject,
    issuer: issuer.cert.subject,
    publicKey: pair.publicKey,
    signingKey: issuer.cryptoKey,
    notBefore: options.notBefore ?? new Date(Date.now() - DAY),
    notAfter: options.notAfter ?? new Date(Date.now() + 300 * DAY),
    signingAlgorithm: EC,
    extensions,
  });
  return wrap(cert, pair);
}

export interface MdsEntryInput {
  aaguid: string;
  description: string;
  roots: TestCert[];
  statuses?: string[];
}

/** An MDS3 BLOB (FIDO MDS 3.0 §3.1.7) signed ES256 by `signer`, x5c [signer, ...chain]. */
export function mdsBlob(signer: TestCert, chain: TestCert[], entries: MdsEntryInput[], options: { no?: number; nextUpdate?: string } = {}): string {
  const header = { alg: 'ES256', typ: 'JWT', x5c: [signer, ...chain].map((c) => Buffer.from(c.der).toString('base64')) };
  const payload = {
    legalHeader: 'Test data for Latchkey only.',
    no: options.no ?? 7,
    nextUpdate: options.nextUpdate ?? new Date(Date.now() + 30 * DAY).toISOString().slice(0, 10),
    entries: entries.map((e) => ({
      aaguid: e.aaguid,
      metadataStatement: {
        aaguid: e.aaguid,
        description: e.description,
        attestationTypes: ['basic_full'],
        attestationRootCertificates: e.roots.map((r) => Buffer.from(r.der).toString('base64')),
      },
      statusReports: (e.statuses ?? ['FIDO_CERTIFIED_L1']).map((status) => ({ status, effectiveDate: '2025-01-01' })),
      timeOfLastStatusChange: '2025-01-01',
    })),
  };
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${enc(header)}.${enc(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key: signer.key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** Writes `files` into a fresh temporary directory; returns their paths by name. */
export function writeFixtures(files: Record<string, string>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-attestation-'));
  return Object.fromEntries(
    Object.entries(files).map(([name, text]) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return [name, path];
    }),
  );
}
