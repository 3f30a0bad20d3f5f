import assert from 'node:assert/strict';
import { test } from 'node:test';
import { submitPassword, redeem, relyingParty, startAuthorization, userAgentFor } from '../../helpers/rp.js';
import { codeFlowSuite } from './setup.js';

codeFlowSuite('code flow: consent', (s) => {
  test('third-party clients ask for consent; first-party clients do not', async () => {
    const third = await relyingParty(s.lk, await s.lk.createClient({ name: 'Partner App', thirdParty: true }));
    const ua = userAgentFor(third);
    const started = await startAuthorization(third);
    const login = await ua.go(started.url.toString());
    const consent = await submitPassword(ua, login, s.alice);
    assert.equal(consent.status, 200);
    assert.match(consent.html, /Partner App/);
    assert.match(consent.html, /See your email address/);
    const done = await ua.submit(consent, '/consent');
    const tokens = await redeem(third, new URL(done.url), started);
    assert.equal(tokens.claims()!.sub, s.alice.id);

    const denied = await ua.go((await startAuthorization(third, { prompt: 'consent' })).url.toString());
    const back = await ua.submit(denied, '/abort');
    assert.equal(new URL(back.url).searchParams.get('error'), 'access_denied');
  });
});
