import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { describeFailure } from '../../src/cli/failure.js';
import { ConfigError, parseConfig } from '../../src/config/config.js';
import { loadAttestationTrust, NO_TRUST } from '../../src/passkeys/attestation-trust.js';
import { MdsBlobError, verifyMdsBlob } from '../../src/passkeys/mds-blob.js';
import { createMds } from '../../src/passkeys/mds.js';
import { anchorOf, chainTo } from '../../src/passkeys/x509-chain.js';
import { issue, mdsBlob, testRoot, writeFixtures, type TestCert } from '../helpers/attestation-ca.js';

const AAGUID = '11111111-2222-4333-8444-555555555555';
const x509 = (c: TestCert) => new X509Certificate(c.der);

describe('attestation trust: chains, MDS BLOBs, the hardware-attested rule', () => {
  let root: TestCert;
  let intermediate: TestCert;
  let leaf: TestCert;
  let other: TestCert;
  let fidoRoot: TestCert;
  let signer: TestCert;
  before(async () => {
    root = await testRoot('Root');
    intermediate = await issue(root, { ca: 'Intermediate' });
    leaf = await issue(intermediate, { attestation: 'Key', aaguid: AAGUID });
    other = await testRoot('Other');
    fidoRoot = await testRoot('FIDO Root');
    signer = await issue(fidoRoot, { signer: 'MDS Signer' });
  });

  test('a chain reaches its root through the intermediate; not another root, not with a leaf as issuer, not expired', async () => {
    const now = new Date();
    const anchors = [anchorOf(x509(root), 'trust root')];
    assert.equal(chainTo([x509(leaf), x509(intermediate)], anchors, now)?.label, 'trust root: Root');
    assert.equal(chainTo([x509(leaf)], anchors, now), undefined, 'the intermediate is missing');
    assert.equal(chainTo([x509(leaf), x509(intermediate)], [anchorOf(x509(other), 'x')], now), undefined);
    assert.ok(chainTo([x509(leaf)], [anchorOf(x509(leaf), 'self')], now), 'an anchor that is the attestation certificate itself');
    const underLeaf = await issue(leaf, { attestation: 'Sub', aaguid: AAGUID });
    assert.equal(chainTo([x509(underLeaf), x509(leaf), x509(intermediate)], anchors, now), undefined, 'a non-CA cannot issue');
    const later = new Date(Date.now() + 400 * 24 * 3600 * 1000);
    assert.equal(chainTo([x509(leaf), x509(intermediate)], anchors, later), undefined, 'expired');
  });

  test('MDS BLOB: verified against its root; a wrong root, x5u only, a bad signature or payload are refused with a reason', () => {
    const now = new Date();
    const roots = [anchorOf(x509(fidoRoot), 'FIDO')];
    const blob = mdsBlob(signer, [], [
      { aaguid: AAGUID, description: 'YubiKey-like Key', roots: [root] },
      { aaguid: '22222222-2222-4333-8444-555555555555', description: 'Bad Key', roots: [root], statuses: ['FIDO_CERTIFIED', 'ATTESTATION_KEY_COMPROMISE'] },
    ]);
    const mds = createMds(verifyMdsBlob(blob, roots, now));
    assert.equal(mds.nameOf(AAGUID.toUpperCase()), 'YubiKey-like Key');
    assert.equal(mds.nameOf('33333333-2222-4333-8444-555555555555'), undefined);
    assert.equal(mds.refusedStatus('22222222-2222-4333-8444-555555555555'), 'ATTESTATION_KEY_COMPROMISE');
    assert.deepEqual(mds.statusCounts(), { FIDO_CERTIFIED_L1: 1, ATTESTATION_KEY_COMPROMISE: 1 });
    assert.throws(() => verifyMdsBlob(blob, [anchorOf(x509(other), 'x')], now), /does not reach the FIDO root/);
    const [h, p, s] = blob.split('.') as [string, string, string];
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    assert.throws(() => verifyMdsBlob(`${enc({ alg: 'RS256', x5u: 'https://mds.example/x5u' })}.${p}.${s}`, roots, now), /no x5c certificate chain \(Latchkey does not fetch x5u\)/);
    assert.throws(() => verifyMdsBlob(`${h}.${p}.${Buffer.alloc(64).toString('base64url')}`, roots, now), (e: Error) => e instanceof MdsBlobError && /signature does not verify/.test(e.message));
    assert.throws(() => verifyMdsBlob('not a jwt', roots, now), /three dot-separated parts/);
  });

  test('loading: a bad file stops start-up with one line naming the variable', () => {
    const files = writeFixtures({ 'junk.pem': 'hello', 'root.pem': root.pem, 'fido.pem': fidoRoot.pem, 'other.pem': other.pem, 'mds.jwt': mdsBlob(signer, [], []) });
    const fail = (env: Record<string, string>, pattern: RegExp) =>
      assert.throws(() => loadAttestationTrust(parseConfig(env)), (e: Error) => e instanceof ConfigError && pattern.test(describeFailure(e) ?? ''));
    fail({ LATCHKEY_WEBAUTHN_TRUST_ROOTS: files['junk.pem']! }, /^Invalid configuration: LATCHKEY_WEBAUTHN_TRUST_ROOTS: .*no PEM certificate/);
    fail({ LATCHKEY_WEBAUTHN_TRUST_ROOTS: '/nonexistent/roots.pem' }, /^Invalid configuration: LATCHKEY_WEBAUTHN_TRUST_ROOTS: cannot read \/nonexistent\/roots.pem \(ENOENT\)$/);
    fail({ LATCHKEY_FIDO_MDS_FILE: files['mds.jwt']!, LATCHKEY_FIDO_MDS_ROOT: files['other.pem']! }, /^Invalid configuration: LATCHKEY_FIDO_MDS_FILE: .*does not reach the FIDO root/);
    assert.throws(() => parseConfig({ LATCHKEY_FIDO_MDS_FILE: files['mds.jwt']! }), /LATCHKEY_FIDO_MDS_ROOT: required with LATCHKEY_FIDO_MDS_FILE/);
    const ok = loadAttestationTrust(parseConfig({ LATCHKEY_FIDO_MDS_FILE: files['mds.jwt']!, LATCHKEY_FIDO_MDS_ROOT: files['fido.pem']! }));
    assert.equal(ok.configured, true);
    assert.equal(NO_TRUST.configured, false);
  });

  test('hardware-attested: an anchor still configured, BE=0, on the allow-list, not reported compromised', () => {
    const now = new Date();
    const files = writeFixtures({
      'root.pem': root.pem,
      'fido.pem': fidoRoot.pem,
      'mds.jwt': mdsBlob(signer, [], [{ aaguid: '22222222-2222-4333-8444-555555555555', description: 'Bad', roots: [root], statuses: ['USER_KEY_REMOTE_COMPROMISE'] }]),
    });
    const trust = loadAttestationTrust(parseConfig({ LATCHKEY_WEBAUTHN_TRUST_ROOTS: files['root.pem']!, LATCHKEY_FIDO_MDS_FILE: files['mds.jwt']!, LATCHKEY_FIDO_MDS_ROOT: files['fido.pem']! }));
    const anchor = trust.anchorFor([x509(leaf), x509(intermediate)], AAGUID, now)!;
    assert.ok(anchor);
    const key = { aaguid: AAGUID, backupEligible: false, attestationAnchor: anchor.fingerprint };
    assert.equal(trust.hardwareAttested(key), true);
    assert.equal(trust.hardwareAttested({ ...key, backupEligible: true }), false, 'syncable');
    assert.equal(trust.hardwareAttested({ ...key, attestationAnchor: null }), false, 'never chained');
    assert.equal(trust.hardwareAttested({ ...key, aaguid: '22222222-2222-4333-8444-555555555555' }), false, 'reported compromised since');
    assert.equal(NO_TRUST.hardwareAttested(key), false, 'the anchor is no longer configured');
    const listed = loadAttestationTrust(parseConfig({ LATCHKEY_WEBAUTHN_TRUST_ROOTS: files['root.pem']!, LATCHKEY_WEBAUTHN_AAGUID_ALLOWLIST: '33333333-2222-4333-8444-555555555555' }));
    assert.equal(listed.hardwareAttested(key), false, 'not on the allow-list');
  });
});
