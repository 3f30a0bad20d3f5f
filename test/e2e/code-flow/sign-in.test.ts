import assert from 'node:assert/strict';
import { test } from 'node:test';
import { oidc, redeem, signIn, startAuthorization, userAgentFor } from '../../helpers/rp.js';
import { codeFlowSuite } from './setup.js';

codeFlowSuite('code flow: sign-in', (s) => {
  test('a relying party signs a user in and gets ID token, access token and userinfo', async () => {
    const ua = userAgentFor(s.rp);
    const { callback, started } = await signIn(ua, s.rp, { email: 'ALICE@example.com', password: s.alice.password });
    assert.equal(callback.searchParams.get('iss'), s.lk.issuer, 'RFC 9207 iss in the authorization response');
    const tokens = await redeem(s.rp, callback, started);
    const claims = tokens.claims()!;
    assert.equal(claims.sub, s.alice.id);
    assert.notEqual(claims.sub, s.alice.email, 'sub is opaque, not the email');
    assert.equal(claims.acr, 'pwd');
    assert.deepEqual(claims.amr, ['pwd']);
    assert.equal(typeof claims.auth_time, 'number');
    assert.ok(Math.abs((claims.auth_time as number) - Date.now() / 1000) < 30);
    const header = JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString());
    assert.equal(header.alg, 'ES256');
    assert.equal(tokens.refresh_token, undefined, 'no refresh token without offline_access');
    const info = await oidc.fetchUserInfo(s.rp.config, tokens.access_token, s.alice.id);
    assert.equal(info.email, 'alice@example.com');
    assert.equal(info.email_verified, true);
    assert.equal(info.name, 'Alice Example');
  });

  test('unknown acr_values are ignored (voluntary, OIDC Core §3.1.2.1)', async () => {
    const ua = userAgentFor(s.rp);
    const { callback, started } = await signIn(ua, s.rp, s.alice, { acr_values: 'urn:example:unknown' });
    assert.equal((await redeem(s.rp, callback, started)).claims()!.acr, 'pwd');
  });

  test('Cancel returns access_denied to the client', async () => {
    const ua = userAgentFor(s.rp);
    const started = await startAuthorization(s.rp);
    const page = await ua.go(started.url.toString());
    const back = await ua.submit(page, '/abort');
    const cb = new URL(back.url);
    assert.equal(cb.searchParams.get('error'), 'access_denied');
    assert.equal(cb.searchParams.get('state'), started.state);
  });

  test('an unknown or expired interaction shows a readable page with a way back', async () => {
    const res = await fetch(`${s.lk.issuer}/interaction/does-not-exist`);
    assert.equal(res.status, 400);
    const html = await res.text();
    assert.match(html, /expired/);
    assert.match(html, /href="\/"/);
    assert.doesNotMatch(html, /Error:|at [\w.]+ \(/);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  });
});
