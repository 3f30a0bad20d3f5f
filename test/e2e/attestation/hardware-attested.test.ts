import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createAuditLog } from '../../../src/audit/audit-log.js';
import { issue, mdsBlob, testRoot, writeFixtures, type TestCert } from '../../helpers/attestation-ca.js';
import { backends, type OpenBackend } from '../../helpers/backends.js';
import { inbox, type Inbox } from '../../helpers/inbox.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { relyingParty, startAuthorization, userAgentFor, type TestRp } from '../../helpers/rp.js';
import { startSmtp, type TestSmtp } from '../../helpers/smtp.js';
import { attestationFlows, csrfOf } from './setup.js';

/**
 * DESIGN.md "Hardware": phrh only for a passkey whose attestation chains to a trust
 * anchor the operator configured and whose BE flag is 0. Every case registers through
 * the first-passkey flow and signs in through the full OIDC flow (openid-client).
 */
const AAGUID = {
  pem: '11111111-2222-4333-8444-555555555555', // chains to the PEM root
  mds: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', // chains to the root listed in its MDS entry
  revoked: 'dddddddd-0000-4000-8000-000000000001', // REVOKED in the MDS BLOB
  compromised: 'dddddddd-0000-4000-8000-000000000002', // USER_VERIFICATION_BYPASS, then certified again
  unlisted: '99999999-2222-4333-8444-555555555555', // chains, but not on the allow-list
};

for (const backend of backends()) describe(`hardware-attested passkeys: phrh only on proven hardware (${backend.name})`, () => {
  let open: OpenBackend;
  let smtp: TestSmtp;
  let mail: Inbox;
  let lk: TestLatchkey;
  let rp: TestRp;
  let bare: TestLatchkey;
  let bareRp: TestRp;
  let useBare = false;
  let pemRoot: TestCert;
  let intermediate: TestCert;
  let mdsVendorRoot: TestCert;
  let strangerRoot: TestCert;

  before(async () => {
    open = await backend.open();
    smtp = await startSmtp();
    mail = inbox(smtp);
    pemRoot = await testRoot('Test Security Key Root');
    intermediate = await issue(pemRoot, { ca: 'Test Security Key Intermediate' });
    mdsVendorRoot = await testRoot('Test MDS Vendor Root');
    strangerRoot = await testRoot('Unconfigured Root');
    const fidoRoot = await testRoot('Test FIDO MDS Root');
    const signer = await issue(fidoRoot, { signer: 'Test MDS Signer' });
    const blob = mdsBlob(signer, [], [
      { aaguid: AAGUID.mds, description: 'Test Key MDS Edition', roots: [mdsVendorRoot] },
      { aaguid: AAGUID.revoked, description: 'Revoked Key', roots: [mdsVendorRoot], statuses: ['FIDO_CERTIFIED', 'REVOKED'] },
      { aaguid: AAGUID.compromised, description: 'Bypassed Key', roots: [pemRoot], statuses: ['USER_VERIFICATION_BYPASS', 'FIDO_CERTIFIED_L1'] },
    ]);
    const files = writeFixtures({ 'roots.pem': pemRoot.pem, 'mds.jwt': blob, 'fido-root.pem': fidoRoot.pem });
    const smtpEnv = { LATCHKEY_SMTP_URL: smtp.url, LATCHKEY_MAIL_FROM: 'no-reply@example.com', LATCHKEY_MAIL_POLL_SECONDS: '1' };
    lk = await startLatchkey(open, {
      ...smtpEnv,
      LATCHKEY_WEBAUTHN_TRUST_ROOTS: files['roots.pem']!,
      LATCHKEY_FIDO_MDS_FILE: files['mds.jwt']!,
      LATCHKEY_FIDO_MDS_ROOT: files['fido-root.pem']!,
      LATCHKEY_WEBAUTHN_AAGUID_ALLOWLIST: [AAGUID.pem, AAGUID.mds.toUpperCase(), AAGUID.revoked, AAGUID.compromised].join(', '),
    });
    rp = await relyingParty(lk, await lk.createClient({ name: 'Vault' }));
    bare = await startLatchkey(open, smtpEnv);
    bareRp = await relyingParty(bare, await bare.createClient({ name: 'Vault' }));
  });
  after(async () => {
    await lk?.close();
    await bare?.close();
    await smtp?.close();
    await open?.close();
  });

  const flows = attestationFlows(() => (useBare ? { lk: bare, rp: bareRp, mail, open } : { lk, rp, mail, open }));

  async function packed(issuer: TestCert, aaguid: string, chain: TestCert[] = []) {
    const leaf = await issue(issuer, { attestation: 'Test Key', aaguid });
    return { x5c: [leaf.der, ...chain.map((c) => c.der)], key: leaf.key };
  }

  async function registered(attest: Parameters<typeof flows.register>[1]) {
    const user = await (useBare ? bare : lk).createUser();
    const reg = await flows.register(user, attest);
    assert.equal(reg.status, 200, JSON.stringify(reg.body));
    return { user, ...reg };
  }

  test('a valid chain to a PEM root (via an intermediate), BE=0 → phrh / hwk; the account page and the audit say so', async () => {
    const { user, authenticator, requested, ua } = await registered({ backupEligible: false, aaguid: AAGUID.pem, attestation: await packed(intermediate, AAGUID.pem, [intermediate]) });
    assert.equal(requested, 'direct', 'with anchors configured, registration asks for attestation');
    const key = await flows.stored(authenticator.credentialId);
    assert.equal(key.attestationFormat, 'packed');
    assert.equal(key.attestationAnchor, createHash('sha256').update(pemRoot.der).digest('hex'), 'the anchor: the PEM root, past the intermediate');
    assert.match(key.attestationAnchorLabel ?? '', /Test Security Key Root/);
    assert.equal(key.hardwareAttested, false, 'a repository without the trust anchors judges nothing hardware');
    const { claims } = await flows.signIn(authenticator, false, { acr_values: 'phrh' });
    assert.equal(claims?.acr, 'phrh');
    assert.deepEqual(claims?.amr, ['hwk', 'mfa']);
    const [added] = await createAuditLog(open.db).list({ accountId: user.id, type: 'passkey.added' });
    assert.equal(added?.detail?.kind, 'hardware security key (attested)');
    assert.equal(added?.detail?.attestation, 'packed');
    assert.match(await flows.accountPage(ua, user), /<td data-label="Kind">Hardware security key \(attested\)<\/td>/);
  });

  test('a password sign-in asked for phrh steps up with the attested key only, hinting a security key', async () => {
    const { user, authenticator } = await registered({ backupEligible: false, aaguid: AAGUID.pem, attestation: await packed(pemRoot, AAGUID.pem) });
    const ua = userAgentFor(rp);
    let page = await ua.go((await startAuthorization(rp, { acr_values: 'phrh' })).url.toString());
    page = await ua.submit(page, '/password', { email: user.email, password: user.password });
    assert.match(page.html, /data-step="step-up"/);
    const options = await ua.postJson(`${page.url}/step-up/options`, {}, { 'x-csrf-token': csrfOf(page) });
    assert.equal(options.status, 200);
    const body = options.body as { hints?: string[]; allowCredentials: Array<{ id: string }> };
    assert.deepEqual(body.hints, ['security-key'], 'WebAuthn L3 §5.5: only a hardware key meets the bar');
    assert.deepEqual(body.allowCredentials.map((c) => c.id), [authenticator.credentialId]);
  });

  test('a chain to the root in the model\'s own MDS entry → phrh', async () => {
    const { authenticator } = await registered({ backupEligible: false, aaguid: AAGUID.mds, attestation: await packed(mdsVendorRoot, AAGUID.mds) });
    assert.match((await flows.stored(authenticator.credentialId)).attestationAnchorLabel ?? '', /FIDO MDS \(Test Key MDS Edition\)/);
    assert.equal((await flows.signIn(authenticator, false)).claims?.acr, 'phrh');
  });

  test('a chain to a root nobody configured → phr / swk, and phrh is unmet with a page that says what would work', async () => {
    const { authenticator } = await registered({ backupEligible: false, aaguid: AAGUID.pem, attestation: await packed(strangerRoot, AAGUID.pem) });
    assert.equal((await flows.stored(authenticator.credentialId)).attestationAnchor, null);
    const { claims } = await flows.signIn(authenticator, false);
    assert.equal(claims?.acr, 'phr');
    assert.deepEqual(claims?.amr, ['swk', 'mfa']);
    const unmet = await flows.signIn(authenticator, false, { acr_values: 'phrh' });
    assert.match(unmet.page?.html ?? '', /hardware security key that this service can verify/);
    assert.match(unmet.page?.html ?? '', /add a security key on your <a href="\/account">account page/);
    assert.equal(unmet.error, 'unmet_authentication_requirements');
  });

  test('self attestation with BE=0 → phr: the authenticator\'s own word is not proof', async () => {
    const { authenticator, ua, user } = await registered({ backupEligible: false, aaguid: AAGUID.pem, attestation: 'self' });
    assert.match(await flows.accountPage(ua, user), /<td data-label="Kind">Passkey on this device<\/td>/, 'honest: BE=0, but not proved');
    assert.equal((await flows.stored(authenticator.credentialId)).attestationFormat, 'packed');
    assert.equal((await flows.signIn(authenticator, false)).claims?.acr, 'phr');
  });

  test('a valid chain but BE=1 (a syncable credential) → phr', async () => {
    const { authenticator, ua, user } = await registered({ backupEligible: true, aaguid: AAGUID.pem, attestation: await packed(pemRoot, AAGUID.pem) });
    assert.equal((await flows.signIn(authenticator, true)).claims?.acr, 'phr');
    assert.match(await flows.accountPage(ua, user), /<td data-label="Kind">Synced passkey<\/td>/);
  });

  test('an AAGUID not on the allow-list: registered, but only phr (the list limits phrh, not passkeys)', async () => {
    const { authenticator } = await registered({ backupEligible: false, aaguid: AAGUID.unlisted, attestation: await packed(pemRoot, AAGUID.unlisted) });
    assert.notEqual((await flows.stored(authenticator.credentialId)).attestationAnchor, null, 'the chain is recorded as proved');
    assert.equal((await flows.signIn(authenticator, false)).claims?.acr, 'phr');
  });

  test('a model the MDS reports revoked or compromised (in any report) is refused, with a reason', async () => {
    for (const [aaguid, status] of [[AAGUID.revoked, 'REVOKED'], [AAGUID.compromised, 'USER_VERIFICATION_BYPASS']] as const) {
      const user = await lk.createUser();
      const reg = await flows.register(user, { backupEligible: false, aaguid, attestation: await packed(aaguid === AAGUID.revoked ? mdsVendorRoot : pemRoot, aaguid) });
      assert.equal(reg.status, 400);
      assert.equal(reg.body.error, 'passkey.authenticator_refused');
      assert.match(JSON.stringify(reg.body), new RegExp(`reported as unsafe \\(FIDO status ${status}\\)`));
      const [event] = await createAuditLog(open.db).list({ accountId: user.id, type: 'passkey.authenticator_refused' });
      assert.equal(event?.detail?.aaguid, aaguid);
    }
  });

  test('certificate and statement problems are readable 400s, not 500s', async () => {
    const expired = await issue(pemRoot, { attestation: 'Old Key', aaguid: AAGUID.pem }, { notBefore: new Date(Date.now() - 9e10), notAfter: new Date(Date.now() - 8.64e7) });
    const old = await flows.register(await lk.createUser(), { backupEligible: false, aaguid: AAGUID.pem, attestation: { x5c: [expired.der], key: expired.key } });
    assert.equal(old.status, 400);
    assert.equal(old.body.error, 'passkey.attestation_certificate');
    assert.match(JSON.stringify(old.body), /attestation certificate has expired/);
    const garbage = await flows.register(await lk.createUser(), { backupEligible: false, aaguid: AAGUID.pem, attestation: { x5c: [new Uint8Array([48, 3, 1, 2, 3])], key: expired.key } });
    assert.equal(garbage.status, 400);
    assert.equal(garbage.body.error, 'passkey.attestation_certificate');
    // A statement signed by another key than its certificate's.
    const good = await packed(pemRoot, AAGUID.pem);
    const forged = await flows.register(await lk.createUser(), { backupEligible: false, aaguid: AAGUID.pem, attestation: { x5c: good.x5c, key: expired.key } });
    assert.equal(forged.status, 400);
    assert.equal(forged.body.error, 'passkey.attestation_invalid');
    assert.match(JSON.stringify(forged.body), /packed attestation statement does not verify/);
  });

  test('without trust anchors: attestation is not asked for, nothing reaches phrh, and the page says why', async () => {
    useBare = true;
    try {
      const { authenticator, requested } = await registered({ backupEligible: false, aaguid: AAGUID.pem, attestation: await packed(pemRoot, AAGUID.pem) });
      assert.equal(requested, 'none');
      assert.equal((await flows.signIn(authenticator, false)).claims?.acr, 'phr');
      const unmet = await flows.signIn(authenticator, false, { claims: JSON.stringify({ id_token: { acr: { essential: true, value: 'phrh' } } }) });
      assert.match(unmet.page?.html ?? '', /not set up to verify any/);
      assert.doesNotMatch(unmet.page?.html ?? '', /account page/);
      assert.equal(unmet.error, 'unmet_authentication_requirements');
    } finally {
      useBare = false;
    }
  });
});
