import { constants, verify, X509Certificate } from 'node:crypto';
import { z } from 'zod';
import type { AuthenticatorStatus } from '@simplewebauthn/server';
import { chainTo, type TrustAnchor } from './x509-chain.js';

/**
 * A FIDO Metadata Service BLOB (FIDO MDS 3.0 §3.1.7): a JWS whose x5c chain must reach
 * the FIDO root the operator provides (§3.2 step 4), signed by the chain's leaf (step 5).
 * Read from a file the operator downloaded; nothing is fetched (no x5u, no CRL).
 */
export class MdsBlobError extends Error {}

const statusReport = z.object({ status: z.string(), effectiveDate: z.string().optional(), authenticatorVersion: z.number().optional() }).passthrough();
const statement = z
  .object({
    description: z.string().optional(),
    attestationRootCertificates: z.array(z.string()).default([]),
    attestationTypes: z.array(z.string()).default([]),
  })
  .passthrough();
const entry = z
  .object({
    aaguid: z.string().optional(),
    metadataStatement: statement.optional(),
    statusReports: z.array(statusReport).default([]),
  })
  .passthrough();
const payload = z.object({
  no: z.number().int(),
  nextUpdate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD'),
  legalHeader: z.string().optional(),
  entries: z.array(entry),
});
const header = z.object({ alg: z.string(), typ: z.string().optional(), x5c: z.array(z.string()).min(1).optional(), x5u: z.string().optional() });

export type MdsEntry = z.infer<typeof entry>;
export interface MdsPayload {
  no: number;
  nextUpdate: string;
  entries: MdsEntry[];
}

/**
 * Statuses that refuse an authenticator model: the FIDO MDS 3.0 §3.1.4 AuthenticatorStatus
 * values that say its keys or its user verification cannot be trusted.
 */
export const REFUSED_STATUSES: ReadonlySet<string> = new Set<AuthenticatorStatus>([
  'REVOKED',
  'USER_VERIFICATION_BYPASS',
  'ATTESTATION_KEY_COMPROMISE',
  'USER_KEY_REMOTE_COMPROMISE',
  'USER_KEY_PHYSICAL_COMPROMISE',
]);

function checkSignature(alg: string, leaf: X509Certificate, data: Buffer, signature: Buffer): boolean {
  const hash = { 256: 'sha256', 384: 'sha384', 512: 'sha512' }[alg.slice(2)];
  if (!hash) throw new MdsBlobError(`unsupported signature algorithm ${alg}`);
  const key = leaf.publicKey;
  if (alg.startsWith('RS')) return verify(hash, data, key, signature);
  if (alg.startsWith('PS')) return verify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
  if (alg.startsWith('ES')) return verify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
  throw new MdsBlobError(`unsupported signature algorithm ${alg}`);
}

function decodeJson(part: string, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new MdsBlobError(`not an MDS BLOB (its ${what} is not base64url JSON)`);
  }
}

/** Verifies `jwt` against `roots` at `now` and returns its payload; MdsBlobError says why not. */
export function verifyMdsBlob(jwt: string, roots: readonly TrustAnchor[], now: Date): MdsPayload {
  const parts = jwt.trim().split('.');
  if (parts.length !== 3) throw new MdsBlobError('not an MDS BLOB (a JWT of three dot-separated parts)');
  const [h, p, s] = parts as [string, string, string];
  const head = header.safeParse(decodeJson(h, 'header'));
  if (!head.success) throw new MdsBlobError('not an MDS BLOB (its header has no alg)');
  if (!head.data.x5c) throw new MdsBlobError('the BLOB has no x5c certificate chain (Latchkey does not fetch x5u)');
  let chain: X509Certificate[];
  try {
    // JWS x5c is standard base64 DER (RFC 7515 §4.1.6), leaf first.
    chain = head.data.x5c.map((c) => new X509Certificate(Buffer.from(c, 'base64')));
  } catch {
    throw new MdsBlobError('a certificate in the BLOB\'s x5c cannot be read');
  }
  if (!chainTo(chain, roots, now)) throw new MdsBlobError('its certificate chain does not reach the FIDO root given (LATCHKEY_FIDO_MDS_ROOT), or a certificate has expired');
  if (!checkSignature(head.data.alg, chain[0]!, Buffer.from(`${h}.${p}`), Buffer.from(s, 'base64url'))) {
    throw new MdsBlobError('its signature does not verify');
  }
  const body = payload.safeParse(decodeJson(p, 'payload'));
  if (!body.success) throw new MdsBlobError(`its payload is not an MDS3 payload (${body.error.issues[0]?.path.join('.') || 'root'}: ${body.error.issues[0]?.message})`);
  return body.data;
}
