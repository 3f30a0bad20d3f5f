import { X509Certificate } from 'node:crypto';
import { REFUSED_STATUSES, type MdsEntry, type MdsPayload } from './mds-blob.js';
import { anchorOf, type TrustAnchor } from './x509-chain.js';

/**
 * The loaded MDS BLOB, looked up by AAGUID. Besides attestation, it names authenticators:
 * `nameOf` is for the passkey list (authenticator-names.ts prefers it to its bundled
 * table when an operator configured a BLOB).
 */
export interface Mds {
  readonly no: number;
  readonly nextUpdate: string;
  readonly entryCount: number;
  /** The authenticator's description in the BLOB (e.g. "YubiKey 5 Series"), if listed. */
  nameOf(aaguid: string): string | undefined;
  /** The refusing status (REFUSED_STATUSES) any report of this model carries, if one does. */
  refusedStatus(aaguid: string): string | undefined;
  /** The attestation roots the BLOB lists for this model (FIDO MDS §4 attestationRootCertificates). */
  anchorsFor(aaguid: string): readonly TrustAnchor[];
  /** How many entries carry each status as their latest report; for `latchkey mds import`. */
  statusCounts(): Record<string, number>;
}

function latestStatus(entry: MdsEntry): string | undefined {
  // MDS 3.0 §3.1.6: reports are listed oldest first; the last one is the current status.
  return entry.statusReports[entry.statusReports.length - 1]?.status;
}

export function createMds(payload: MdsPayload): Mds {
  const byAaguid = new Map<string, MdsEntry>();
  for (const e of payload.entries) if (e.aaguid) byAaguid.set(e.aaguid.toLowerCase(), e);
  const anchors = new Map<string, readonly TrustAnchor[]>();

  return Object.freeze({
    no: payload.no,
    nextUpdate: payload.nextUpdate,
    entryCount: payload.entries.length,
    nameOf: (aaguid: string) => byAaguid.get(aaguid.toLowerCase())?.metadataStatement?.description,
    refusedStatus(aaguid: string) {
      // Any report, not only the latest: a model once reported compromised is not
      // trusted again by a later report that Latchkey cannot tie to a firmware version.
      return byAaguid.get(aaguid.toLowerCase())?.statusReports.find((r) => REFUSED_STATUSES.has(r.status))?.status;
    },
    anchorsFor(aaguid: string) {
      const key = aaguid.toLowerCase();
      let found = anchors.get(key);
      if (!found) {
        const roots = byAaguid.get(key)?.metadataStatement?.attestationRootCertificates ?? [];
        const description = byAaguid.get(key)?.metadataStatement?.description ?? key;
        found = roots.flatMap((b64) => {
          try {
            return [anchorOf(new X509Certificate(Buffer.from(b64, 'base64')), `FIDO MDS (${description})`)];
          } catch {
            return []; // A damaged root in one statement trusts nothing; the rest stay usable.
          }
        });
        anchors.set(key, found);
      }
      return found;
    },
    statusCounts() {
      const counts: Record<string, number> = {};
      for (const e of payload.entries) {
        const status = latestStatus(e) ?? 'NONE';
        counts[status] = (counts[status] ?? 0) + 1;
      }
      return counts;
    },
  });
}
