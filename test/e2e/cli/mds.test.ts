import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { issue, mdsBlob, testRoot, writeFixtures } from '../../helpers/attestation-ca.js';
import { latchkey, stderrLines } from './setup.js';

/**
 * `latchkey mds import` and start-up with a FIDO MDS3 BLOB: a BLOB signed by a test
 * root, checked against that root only (nothing fetched).
 */
describe('latchkey mds import, and start-up with an MDS BLOB', () => {
  let files: Record<string, string>;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'latchkey-mds-'));
    const fidoRoot = await testRoot('Test FIDO MDS Root');
    const otherRoot = await testRoot('Another Root');
    const signer = await issue(fidoRoot, { signer: 'Test MDS Signer' });
    const vendor = await testRoot('Vendor');
    const entries = [
      { aaguid: '11111111-2222-4333-8444-555555555555', description: 'Key One', roots: [vendor] },
      { aaguid: '11111111-2222-4333-8444-555555555556', description: 'Key Two', roots: [vendor] },
      { aaguid: '11111111-2222-4333-8444-555555555557', description: 'Key Three', roots: [vendor], statuses: ['FIDO_CERTIFIED', 'REVOKED'] },
    ];
    const good = mdsBlob(signer, [], entries, { no: 42, nextUpdate: '2099-01-31' });
    const [h, p, s] = good.split('.') as [string, string, string];
    // The same header and signature over a payload with one entry fewer: the signature no longer verifies.
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), entries: [] })).toString('base64url')}.${s}`;
    files = writeFixtures({ 'mds.jwt': good, 'tampered.jwt': tampered, 'fido-root.pem': fidoRoot.pem, 'other-root.pem': otherRoot.pem });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a valid BLOB: entries, next update and the count of each status', async () => {
    const run = await latchkey({ LATCHKEY_DATA_DIR: dir }, ['mds', 'import', files['mds.jwt']!, '--root', files['fido-root.pem']!]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^valid MDS BLOB no\. 42: 3 entries, next update 2099-01-31\n/);
    assert.match(run.stdout, /^ {2}FIDO_CERTIFIED_L1\t2$/m);
    assert.match(run.stdout, /^ {2}REVOKED\t1$/m);
    const json = await latchkey({ LATCHKEY_DATA_DIR: dir, LATCHKEY_FIDO_MDS_ROOT: files['fido-root.pem']! }, ['mds', 'import', files['mds.jwt']!, '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), { no: 42, entries: 3, next_update: '2099-01-31', stale: false, statuses: { FIDO_CERTIFIED_L1: 2, REVOKED: 1 } });
  });

  test('a bad signature, or the wrong root: one line saying why', async () => {
    const bad = await latchkey({ LATCHKEY_DATA_DIR: dir }, ['mds', 'import', files['tampered.jwt']!, '--root', files['fido-root.pem']!]);
    assert.equal(bad.code, 1);
    assert.deepEqual(stderrLines(bad.stderr), [`latchkey: ${files['tampered.jwt']}: its signature does not verify`]);
    const wrong = await latchkey({ LATCHKEY_DATA_DIR: dir }, ['mds', 'import', files['mds.jwt']!, '--root', files['other-root.pem']!]);
    assert.equal(wrong.code, 1);
    assert.match(stderrLines(wrong.stderr)[0]!, /certificate chain does not reach the FIDO root/);
  });

  test('serve with a BLOB whose signature does not verify: refuses to start, one line naming the variable', async () => {
    const run = await latchkey(
      { LATCHKEY_DATA_DIR: join(dir, 'serve'), PORT: '0', LATCHKEY_LOG_LEVEL: 'silent', LATCHKEY_FIDO_MDS_FILE: files['tampered.jwt']!, LATCHKEY_FIDO_MDS_ROOT: files['fido-root.pem']! },
      ['serve'],
    );
    assert.notEqual(run.code, 0);
    assert.deepEqual(stderrLines(run.stderr), [`latchkey: Invalid configuration: LATCHKEY_FIDO_MDS_FILE: ${files['tampered.jwt']}: its signature does not verify`]);
    const alone = await latchkey({ LATCHKEY_DATA_DIR: join(dir, 'serve'), PORT: '0', LATCHKEY_FIDO_MDS_FILE: files['mds.jwt']! }, ['serve']);
    assert.match(stderrLines(alone.stderr)[0]!, /^latchkey: Invalid configuration: LATCHKEY_FIDO_MDS_ROOT: required with LATCHKEY_FIDO_MDS_FILE/);
    const list = await latchkey({ LATCHKEY_DATA_DIR: join(dir, 'serve'), PORT: '0', LATCHKEY_WEBAUTHN_AAGUID_ALLOWLIST: 'yubikey' }, ['serve']);
    assert.match(stderrLines(list.stderr)[0]!, /^latchkey: Invalid configuration: LATCHKEY_WEBAUTHN_AAGUID_ALLOWLIST: comma-separated AAGUIDs/);
  });
});
