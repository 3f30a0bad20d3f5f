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

  test('logout without a post_logout_redirect_uri: the signed-out page is no dead end', async () => {
    const ua = new UserAgent((u) => u.origin === 'http://localhost:8089');
    await signIn(ua, s.rp, s.alice);
    const endUrl = `${s.lk.issuer}/session/end?client_id=${encodeURIComponent(s.rp.clientId)}`;

    // "No, stay signed in": signed out of this app only; the page names it and links back
    // to the address its registration names, and to the account page.
    const appOnly = await ua.submit(await ua.go(endUrl), '/session/end/confirm');
    assert.equal(appOnly.status, 200);
    assert.match(appOnly.html, /You have signed out of <strong>[^<]+<\/strong>\./);
    assert.match(appOnly.html, /<a href="http:\/\/localhost:8089\/signed-out">Return to /);
    assert.match(appOnly.html, /<a href="\/account">/);

    // "Yes": signed out of Latchkey; the page offers to sign in again.
    const all = await ua.submit(await ua.go(endUrl), '/session/end/confirm', {}, { name: 'logout', value: 'yes' });
    assert.equal(all.status, 200);
    assert.match(all.html, /You have signed out of Latchkey\./);
    assert.match(all.html, /<a href="\/account">Sign in to your account<\/a>/);
  });
});
