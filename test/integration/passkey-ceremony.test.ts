import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { SoftwareAuthenticator } from '../helpers/software-authenticator.js';
import { createAccountsRepo } from '../../src/accounts/accounts-repo.js';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { createPasskeyCeremonies, type PasskeyCeremonies } from '../../src/passkeys/ceremonies.js';
import { createPasskeysRepo } from '../../src/passkeys/passkeys-repo.js';

const ORIGIN = 'https://id.example.com';

/** The WebAuthn authentication checks, with a software authenticator, on every backend. */
for (const backend of backends()) {
  describe(`passkey ceremony checks (${backend.name})`, () => {
    let open: OpenBackend;
    let ceremonies: PasskeyCeremonies;

    before(async () => {
      open = await backend.open();
      ceremonies = createPasskeyCeremonies({
        passkeys: createPasskeysRepo(open.db),
        challenges: open.ephemeral.kv('webauthn'),
        audit: createAuditLog(open.db),
        webauthn: { rpId: 'id.example.com', rpName: 'Latchkey', origins: [ORIGIN] },
      });
    });
    after(async () => open?.close());

    let n = 0;
    async function enrolled(backupEligible = true) {
      n += 1;
      const account = await createAccountsRepo(open.db).create({ email: `p${n}-${Date.now()}@example.com`, name: 'P', passwordHash: null });
      const authenticator = new SoftwareAuthenticator('id.example.com', ORIGIN, account.id);
      await authenticator.enrolIn(createPasskeysRepo(open.db), { backupEligible });
      return { account, authenticator, binding: { interaction: `uid-${n}` } };
    }

    async function attempt(
      who: Awaited<ReturnType<typeof enrolled>>,
      options: Parameters<SoftwareAuthenticator['assert']>[1] = {},
      expectedAccountId?: string,
    ) {
      const { challenge } = await ceremonies.authenticationOptions({ binding: who.binding });
      const response = who.authenticator.assert(challenge, options) as unknown as AuthenticationResponseJSON;
      return ceremonies.authenticate({ binding: who.binding, response, ...(expectedAccountId ? { expectedAccountId } : {}) });
    }

    const refused = (code: string) => (err: { code?: string }) => err.code === code;
    const events = async (accountId: string, type: string) => (await createAuditLog(open.db).list({ accountId, type })).length;

    test('a good assertion verifies; synced → phr-level factor', async () => {
      const who = await enrolled(true);
      const { passkey, verified } = await attempt(who);
      assert.equal(passkey.accountId, who.account.id);
      assert.deepEqual({ ...verified, at: 0 }, { at: 0, backupEligible: true, hardwareAttested: false, userVerified: true });
    });

    test('challenges are single use and bound to their binding', async () => {
      const who = await enrolled();
      const { challenge } = await ceremonies.authenticationOptions({ binding: who.binding });
      const response = who.authenticator.assert(challenge) as unknown as AuthenticationResponseJSON;
      await ceremonies.authenticate({ binding: who.binding, response });
      await assert.rejects(ceremonies.authenticate({ binding: who.binding, response }), refused('passkey.challenge_expired'), 'replay');
      const { challenge: other } = await ceremonies.authenticationOptions({ binding: { interaction: 'someone-else' } });
      const stolen = who.authenticator.assert(other) as unknown as AuthenticationResponseJSON;
      await assert.rejects(ceremonies.authenticate({ binding: who.binding, response: stolen }), refused('passkey.challenge_expired'));
    });

    test('user verification is required', async () => {
      await assert.rejects(attempt(await enrolled(), { userVerified: false }), refused('passkey.not_verified'));
    });

    test('a user handle that does not match the credential is refused and audited', async () => {
      const who = await enrolled();
      await assert.rejects(attempt(who, { userHandle: 'someone-else' }), refused('passkey.user_handle_mismatch'));
      assert.equal(await events(who.account.id, 'passkey.user_handle_mismatch'), 1);
    });

    test('another account\'s passkey during a step-up is refused and audited', async () => {
      const alice = await enrolled();
      const mallory = await enrolled();
      await assert.rejects(attempt(mallory, {}, alice.account.id), refused('passkey.wrong_account'));
      assert.equal(await events(alice.account.id, 'passkey.wrong_account'), 1);
    });

    test('counter: must move forward once non-zero; a regression is refused and audited', async () => {
      const who = await enrolled(false);
      await attempt(who, { counter: 5, backupEligible: false });
      await attempt(who, { counter: 6, backupEligible: false });
      await assert.rejects(attempt(who, { counter: 6, backupEligible: false }), refused('passkey.counter_regressed'));
      await assert.rejects(attempt(who, { counter: 2, backupEligible: false }), refused('passkey.counter_regressed'));
      assert.equal(await events(who.account.id, 'passkey.counter_regressed'), 2);
      const synced = await enrolled(true);
      await attempt(synced, { counter: 0 });
      await attempt(synced, { counter: 0 }, undefined);
    });

    test('a backup-eligible flag that changes is refused', async () => {
      const deviceBound = await enrolled(false);
      await assert.rejects(attempt(deviceBound, { backupEligible: true }), refused('passkey.backup_eligibility_changed'));
      assert.equal(await events(deviceBound.account.id, 'passkey.backup_eligibility_changed'), 1);
    });

    test('a response from an origin that is not configured is refused', async () => {
      await assert.rejects(attempt(await enrolled(), { origin: 'https://phish.example.net' }), refused('passkey.invalid'));
    });
  });
}
