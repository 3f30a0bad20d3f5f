import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redeem, relyingParty, signIn, tokenEndpoint, userAgentFor } from '../../helpers/rp.js';
import { codeFlowSuite } from './setup.js';

codeFlowSuite('code flow: public clients (token_endpoint_auth_method none)', (s) => {
  test('none: a public client redeems its code with PKCE and no secret; a confidential client cannot skip its secret', async () => {
    const created = await s.lk.createClient({ name: 'Single-page app', public: true, redirectUris: ['http://localhost:8093/cb'] });
    assert.equal(created.clientSecret, undefined, 'no secret is issued');
    const spa = await relyingParty(s.lk, created);
    const ua = userAgentFor(spa);
    // The claims parameter (OIDC Core §5.5) asks for the session id as well.
    const { callback, started } = await signIn(ua, spa, s.alice, { claims: JSON.stringify({ id_token: { sid: { essential: true } } }) });
    const claims = (await redeem(spa, callback, started)).claims()!;
    assert.equal(claims.sub, s.alice.id);
    assert.equal(typeof claims.sid, 'string', 'the ID token names the session (sid) when asked');

    // PKCE is what protects a public client's code: without the verifier it is worthless.
    const second = await signIn(ua, spa, s.alice);
    const stolen = await tokenEndpoint(s.lk, {
      grant_type: 'authorization_code',
      code: second.callback.searchParams.get('code')!,
      redirect_uri: spa.redirectUri,
      client_id: spa.clientId,
    });
    assert.equal(stolen.status, 400);
    assert.equal(stolen.body.error, 'invalid_grant');

    // A confidential client naming itself without its secret is not authenticated.
    const { callback: back } = await signIn(userAgentFor(s.rp), s.rp, s.alice);
    const unauthenticated = await tokenEndpoint(s.lk, {
      grant_type: 'authorization_code',
      code: back.searchParams.get('code') ?? '',
      redirect_uri: s.rp.redirectUri,
      client_id: s.rp.clientId,
      code_verifier: 'x'.repeat(43),
    });
    assert.equal(unauthenticated.status, 401);
    assert.equal(unauthenticated.body.error, 'invalid_client');
  });
});
