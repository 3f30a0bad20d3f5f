import assert from 'node:assert/strict';
import { test } from 'node:test';
import { oidc, redeem, signIn, tokenEndpoint, userAgentFor } from '../../helpers/rp.js';
import { codeFlowSuite } from './setup.js';

codeFlowSuite('code flow: redeeming codes at the token endpoint', (s) => {
  test('wrong client secret → 401 invalid_client', async () => {
    const res = await tokenEndpoint(s.lk, { grant_type: 'authorization_code', code: 'x', redirect_uri: s.rp.redirectUri, code_verifier: 'v'.repeat(43) }, { id: s.rp.clientId, secret: 'not-the-secret' });
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'invalid_client');
  });

  test('wrong PKCE verifier and another client\'s code → invalid_grant', async () => {
    const ua = userAgentFor(s.rp);
    const a = await signIn(ua, s.rp, s.alice);
    const wrong = await tokenEndpoint(s.lk, { grant_type: 'authorization_code', code: a.callback.searchParams.get('code')!, redirect_uri: s.rp.redirectUri, code_verifier: oidc.randomPKCECodeVerifier() }, { id: s.rp.clientId, secret: s.rp.clientSecret! });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error, 'invalid_grant');

    const b = await signIn(ua, s.rp, s.alice);
    const stolen = await tokenEndpoint(s.lk, { grant_type: 'authorization_code', code: b.callback.searchParams.get('code')!, redirect_uri: s.rp.redirectUri, code_verifier: b.started.verifier }, { id: s.other.clientId, secret: s.other.clientSecret! });
    assert.equal(stolen.body.error, 'invalid_grant');
  });

  test('a replayed code → invalid_grant, and the tokens from the first redemption are revoked', async () => {
    const ua = userAgentFor(s.rp);
    const { callback, started } = await signIn(ua, s.rp, s.alice);
    const tokens = await redeem(s.rp, callback, started);
    const replay = await tokenEndpoint(s.lk, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: s.rp.redirectUri, code_verifier: started.verifier }, { id: s.rp.clientId, secret: s.rp.clientSecret! });
    assert.equal(replay.body.error, 'invalid_grant');
    assert.equal((await oidc.tokenIntrospection(s.rp.config, tokens.access_token)).active, false);
  });

  test('20 parallel redemptions of one code: exactly one succeeds', async () => {
    const ua = userAgentFor(s.rp);
    const { callback, started } = await signIn(ua, s.rp, s.alice);
    const params = { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: s.rp.redirectUri, code_verifier: started.verifier };
    const results = await Promise.all(Array.from({ length: 20 }, () => tokenEndpoint(s.lk, params, { id: s.rp.clientId, secret: s.rp.clientSecret! })));
    assert.equal(results.filter((r) => r.status === 200).length, 1);
    assert.ok(results.filter((r) => r.status !== 200).every((r) => r.body.error === 'invalid_grant'));
  });
});
