/**
 * Passkey registration, the WebAuthn ceremony in this process over Postgres: options →
 * create() response (software authenticator, a new credential key each time) → verify
 * → stored. Plain (`none` attestation, no trust anchors) beside attested (packed full
 * attestation through an intermediate to a PEM root, with an MDS BLOB loaded): the
 * price of checking the statement and its chain, printed as a ratio.
 */
import { createAccountsRepo } from '../src/accounts/accounts-repo.js';
import { createAuditLog } from '../src/audit/audit-log.js';
import { loadAttestationTrust, NO_TRUST, type AttestationTrust } from '../src/passkeys/attestation-trust.js';
import { createPasskeyCeremonies } from '../src/passkeys/ceremonies.js';
import { createPasskeysRepo } from '../src/passkeys/passkeys-repo.js';
import { createMemoryStore } from '../src/storage/memory.js';
import { issue, mdsBlob, testRoot, writeFixtures } from '../test/helpers/attestation-ca.js';
import { SoftwareAuthenticator } from '../test/helpers/software-authenticator.js';
import { freshStores, measure, type Stores } from './lib.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const ORIGIN = 'https://id.example.com';
const AAGUID = '11111111-2222-4333-8444-555555555555';

async function registrations(stores: Stores, label: string, trust: AttestationTrust, attestation: Parameters<SoftwareAuthenticator['attest']>[1]): Promise<number> {
  const passkeys = createPasskeysRepo(stores.db, trust);
  const ceremonies = createPasskeyCeremonies({
    passkeys,
    challenges: createMemoryStore().kv('webauthn'),
    audit: createAuditLog(stores.db),
    webauthn: { rpId: 'id.example.com', rpName: 'Latchkey', origins: [ORIGIN] },
    trust,
  });
  const account = await createAccountsRepo(stores.db).create({ email: `${label.replace(/\W/g, '')}@example.com`, name: 'Alice', passwordHash: null });
  let n = 0;
  return (await measure(label, CONCURRENCY, async () => {
    const binding = { interaction: `bench-${label}-${(n += 1)}` };
    const options = await ceremonies.registrationOptions({ binding, account: { id: account.id, email: account.email, name: account.name }, existing: [] });
    const authenticator = new SoftwareAuthenticator('id.example.com', ORIGIN, account.id);
    const response = authenticator.attest(options.challenge, attestation);
    await ceremonies.register({ binding, accountId: account.id, response, name: 'Bench key' });
  })).rate;
}

export async function passkeyRegistrationBench(): Promise<void> {
  process.stdout.write('\nPasskey registration (Postgres), software authenticator, ceremony in process\n');
  const root = await testRoot('Bench Attestation Root');
  const intermediate = await issue(root, { ca: 'Bench Intermediate' });
  const leaf = await issue(intermediate, { attestation: 'Bench Key', aaguid: AAGUID });
  const fidoRoot = await testRoot('Bench FIDO Root');
  const signer = await issue(fidoRoot, { signer: 'Bench MDS Signer' });
  const files = writeFixtures({
    'roots.pem': root.pem,
    'fido-root.pem': fidoRoot.pem,
    'mds.jwt': mdsBlob(signer, [], [{ aaguid: AAGUID, description: 'Bench Key', roots: [root] }]),
  });
  const trust = loadAttestationTrust({
    attestation: { trustRoots: files['roots.pem'], mdsFile: files['mds.jwt'], mdsRoot: files['fido-root.pem'], aaguidAllowlist: undefined },
  });
  const stores = await freshStores();
  try {
    const plain = await registrations(stores, 'registration, none attestation', NO_TRUST, { backupEligible: true });
    const attested = await registrations(stores, 'registration, packed + chain + MDS', trust, {
      backupEligible: false,
      aaguid: AAGUID,
      attestation: { x5c: [leaf.der, intermediate.der], key: leaf.key },
    });
    process.stdout.write(`  attested / plain: ${(attested / plain).toFixed(2)}\n`);
  } finally {
    await stores.close();
  }
}
