import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPasskeysRepo } from '../../../src/passkeys/passkeys-repo.js';
import { startAuthorization, userAgentFor } from '../../helpers/rp.js';
import { UserAgent } from '../../helpers/user-agent.js';
import { csrfOf, uxSetup } from './setup.js';

const GOOGLE_PASSWORD_MANAGER = 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4';
const UNLISTED = '01234567-89ab-cdef-0123-456789abcdef';

describe('passkey names, where they live, and hints (HTTP)', () => {
  const s = uxSetup();

  /** Creates the first passkey through the enrolment offer; returns the options the page got and the stored passkey. */
  async function enrol(options: { aaguid?: string; name?: string }) {
    const user = await s.lk.createUser({ name: 'Alice Example' });
    const { ua, base, csrf } = await s.readyToEnrol(user);
    const issued = await ua.postJson(`${base}/enrol/options`, {}, { 'x-csrf-token': csrf });
    assert.equal(issued.status, 200);
    const optionsJson = issued.body as { challenge: string; hints?: string[]; user: { id: string } };
    const authenticator = s.authenticatorFor(user.id);
    const credential = authenticator.attest(optionsJson.challenge, options.aaguid ? { aaguid: options.aaguid } : {});
    const verified = await ua.postJson(`${base}/enrol/verify`, { credential, name: options.name ?? '' }, { 'x-csrf-token': csrf });
    assert.equal(verified.status, 200, JSON.stringify(verified.body));
    // Finish the sign-in (back at the app): the session now opens the account page.
    await ua.go(new URL((verified.body as { redirect: string }).redirect, s.lk.issuer).toString());
    const [passkey] = await createPasskeysRepo(s.open.db).listForAccount(user.id);
    return { user, ua, optionsJson, passkey: passkey!, authenticator };
  }

  test('enrolment options hint this device, then a phone (client-device, hybrid)', async () => {
    const { optionsJson } = await enrol({});
    assert.deepEqual(optionsJson.hints, ['client-device', 'hybrid']);
  });

  test('a passkey named by nobody is named after its provider; the account page says where it lives', async () => {
    const { user, ua, optionsJson, passkey } = await enrol({ aaguid: GOOGLE_PASSWORD_MANAGER });
    assert.equal(passkey.aaguid, GOOGLE_PASSWORD_MANAGER);
    assert.equal(passkey.name, 'Google Password Manager');
    const page = await ua.go(`${s.lk.issuer}/account`);
    assert.equal(page.status, 200);
    assert.match(page.html, /<th>Saved in<\/th>/);
    assert.match(page.html, /<td class="provider"[^>]*>Google Password Manager<\/td>/);
    // The signals the page hands to public/js/signals.js: this account's user handle, as registered.
    const signals = /<div hidden id="webauthn-signals"([^>]*)>/.exec(page.html)![1]!;
    const attr = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(signals)![1]!.replace(/&#34;|&quot;/g, '"');
    assert.equal(attr('data-user-id'), optionsJson.user.id);
    assert.equal(Buffer.from(attr('data-user-id'), 'base64url').toString('utf8'), user.id);
    assert.equal(attr('data-rp-id'), new URL(s.lk.issuer).hostname);
    assert.equal(attr('data-name'), user.email);
    assert.equal(attr('data-display-name'), 'Alice Example');
    assert.deepEqual(JSON.parse(attr('data-accepted-ids')), [passkey.id]);
  });

  test('a typed name wins; an unknown or all-zero AAGUID keeps the default, shown as "Not known"', async () => {
    assert.equal((await enrol({ aaguid: GOOGLE_PASSWORD_MANAGER, name: '  Work laptop ' })).passkey.name, 'Work laptop');
    assert.equal((await enrol({ aaguid: UNLISTED })).passkey.name, 'Passkey');
    const zero = await enrol({});
    assert.equal(zero.passkey.name, 'Passkey');
    const page = await zero.ua.go(`${s.lk.issuer}/account`);
    assert.match(page.html, /<td class="provider"[^>]*>Not known<\/td>/);
  });

  // The phrh step-up's `security-key` hint needs an attested key: test/e2e/attestation/.
  test('a step-up for phr hints nothing (any passkey will do)', async () => {
    const user = await s.lk.createUser();
    await s.authenticatorFor(user.id).enrolIn(createPasskeysRepo(s.open.db), { backupEligible: false });
    const ua = userAgentFor(s.rp);
    let page = await ua.go((await startAuthorization(s.rp, { acr_values: 'phr' })).url.toString());
    page = await ua.submit(page, '/password', { email: user.email, password: user.password });
    assert.match(page.html, /data-step="step-up"/);
    const options = await ua.postJson(`${page.url}/step-up/options`, {}, { 'x-csrf-token': csrfOf(page) });
    assert.equal(options.status, 200);
    assert.equal((options.body as { hints?: string[] }).hints, undefined);
  });

  test('the account page of an account without passkeys signals an empty list', async () => {
    const user = await s.lk.createUser();
    const ua = new UserAgent();
    let page = await ua.go(`${s.lk.issuer}/account/sign-in`);
    page = await ua.submit(page, '/password', { email: user.email, password: user.password });
    page = await ua.submit(page, '/enrol/skip');
    assert.match(page.url, /\/account$/);
    assert.match(page.html, /data-accepted-ids="\[\]"/);
  });
});
