import assert from 'node:assert/strict';
import { test } from 'node:test';
import { oidc, redeem, signIn, startAuthorization } from '../../helpers/rp.js';
import { UserAgent } from '../../helpers/user-agent.js';
import { codeFlowSuite } from './setup.js';

codeFlowSuite('code flow: RP-initiated logout', (s) => {
  test('RP-initiated logout: confirmation page, then back to post_logout_redirect_uri, session gone', async () => {
    const ua = new UserAgent((u) => u.origin === 'http://localhost:8089');
    const { callback, started } = await signIn(ua, s.rp, s.alice);
    const tokens = await redeem(s.rp, callback, started);
    const endUrl = oidc.buildEndSessionUrl(s.rp.config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: 'http://localhost:8089/signed-out',
      state: 'bye',
    });
    const confirm = await ua.go(endUrl.toString());
    assert.equal(confirm.status, 200);
    assert.match(confirm.html, /Sign out\?/);
    assert.match(confirm.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const done = await ua.submit(confirm, '/session/end/confirm', {}, { name: 'logout', value: 'yes' });
    const landed = new URL(done.url);
    assert.equal(landed.pathname, '/signed-out');
    assert.equal(landed.searchParams.get('state'), 'bye');

    const check = await startAuthorization(s.rp, { prompt: 'none' });
    const after = await ua.go(check.url.toString());
    assert.equal(new URL(after.url).searchParams.get('error'), 'login_required');
  });
});
