import assert from 'node:assert/strict';
import { test } from 'node:test';
import { oidc, redeem, signIn, userAgentFor } from '../../helpers/rp.js';
import { codeFlowSuite } from './setup.js';

codeFlowSuite('code flow: introspection and revocation', (s) => {
  test('introspection and revocation only for the client\'s own tokens', async () => {
    const ua = userAgentFor(s.rp);
    const { callback, started } = await signIn(ua, s.rp, s.alice);
    const tokens = await redeem(s.rp, callback, started);
    const own = await oidc.tokenIntrospection(s.rp.config, tokens.access_token);
    assert.equal(own.active, true);
    assert.equal(own.sub, s.alice.id);
    assert.equal(own.client_id, s.rp.clientId);
    assert.equal(own.acr, 'pwd', 'the sign-in strength travels with the token');
    assert.deepEqual(own.amr, ['pwd']);
    assert.equal((await oidc.tokenIntrospection(s.other.config, tokens.access_token)).active, false, 'another client learns nothing');
    await assert.rejects(oidc.tokenRevocation(s.other.config, tokens.access_token));
    assert.equal((await oidc.tokenIntrospection(s.rp.config, tokens.access_token)).active, true, 'another client cannot revoke it');
    await oidc.tokenRevocation(s.rp.config, tokens.access_token);
    assert.equal((await oidc.tokenIntrospection(s.rp.config, tokens.access_token)).active, false);
    await assert.rejects(oidc.fetchUserInfo(s.rp.config, tokens.access_token, s.alice.id));
  });
});
