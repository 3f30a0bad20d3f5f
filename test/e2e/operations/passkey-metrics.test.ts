import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passkeysSuite } from '../passkeys/setup.js';
import { sample } from './setup.js';

passkeysSuite('operations: passkey sign-in and step-up metrics', (s) => {
  test('a step-up counts by the acr it reached, a passkey sign-in by its method', async () => {
    const user = await s.lk.createUser();
    const { context, page } = await s.person({ backupEligible: true });
    const scrape = async () => (await s.lk.metrics.scrape()).body;
    const before = await scrape();
    await s.enrol(page, user);

    const stepUp = await s.authorize(page, { acr_values: 'phr' });
    await page.click('#passkey-step-up');
    assert.equal((await s.claimsAfter(page, stepUp)).acr, 'phr');

    await context.clearCookies();
    const signIn = await s.authorize(page);
    await page.click('#passkey-signin');
    await s.claimsAfter(page, signIn);

    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);
    assert.equal(moved('latchkey_sign_ins_total', { method: 'password', outcome: 'success' }), 1, 'the password sign-in before enrolment');
    assert.equal(moved('latchkey_step_ups_total', { acr: 'phr' }), 1);
    assert.equal(moved('latchkey_sign_ins_total', { method: 'passkey', outcome: 'success' }), 1);
    await context.close();
  });
});
