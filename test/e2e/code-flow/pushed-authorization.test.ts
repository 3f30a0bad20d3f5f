import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authorizationRequest, isLoginPage, oidc, redeem, relyingParty, submitPassword, userAgentFor, type Started, type TestRp } from '../../helpers/rp.js';
import { codeFlowSuite } from './setup.js';

/** The authorization request pushed to Latchkey first (RFC 9126 §2); the browser gets only a request_uri. */
async function pushed(rp: TestRp, extra: Record<string, string> = {}): Promise<Started> {
  const { params, ...checks } = await authorizationRequest(rp, { scope: 'openid email', ...extra });
  return { url: await oidc.buildAuthorizationUrlWithPAR(rp.config, params), ...checks };
}

codeFlowSuite('code flow: pushed authorization requests (RFC 9126)', (s) => {
  test('PAR: the request is pushed, the browser carries only request_uri, the code redeems; the request_uri is single use', async () => {
    const started = await pushed(s.rp);
    assert.deepEqual([...started.url.searchParams.keys()].sort(), ['client_id', 'request_uri']);
    assert.match(started.url.searchParams.get('request_uri')!, /^urn:ietf:params:oauth:request_uri:/);
    const ua = userAgentFor(s.rp);
    let page = await ua.go(started.url.toString());
    assert.ok(isLoginPage(page));
    page = await submitPassword(ua, page, s.alice);
    const callback = new URL(page.url);
    assert.equal(callback.searchParams.get('state'), started.state);
    const tokens = await redeem(s.rp, callback, started);
    assert.equal(tokens.claims()!.sub, s.alice.id);

    const again = await ua.go(started.url.toString());
    assert.equal(new URL(again.url).searchParams.get('error'), 'invalid_request_uri', 'a used request_uri is refused');
  });

  test('PAR: the push needs client authentication; a public client pushes with its client_id', async () => {
    const res = await fetch(`${s.lk.issuer}/request`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${s.rp.clientId}:wrong`).toString('base64')}` },
      body: new URLSearchParams({ response_type: 'code', redirect_uri: s.rp.redirectUri, scope: 'openid' }),
    });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { error: string }).error, 'invalid_client');

    const spa = await relyingParty(s.lk, await s.lk.createClient({ name: 'Single-page app', public: true, redirectUris: ['http://localhost:8092/cb'] }));
    const started = await pushed(spa);
    const ua = userAgentFor(spa);
    const page = await submitPassword(ua, await ua.go(started.url.toString()), s.alice);
    assert.equal((await redeem(spa, new URL(page.url), started)).claims()!.sub, s.alice.id);
  });
});
