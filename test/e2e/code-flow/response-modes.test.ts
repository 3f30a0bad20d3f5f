import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { isLoginPage, oidc, redeem, signIn, startAuthorization, submitPassword, userAgentFor } from '../../helpers/rp.js';
import { codeFlowSuite } from './setup.js';

codeFlowSuite('code flow: response modes', (s) => {
  test('response_mode=fragment: code, state and iss come back in the fragment', async () => {
    const { callback, started } = await signIn(userAgentFor(s.rp), s.rp, s.alice, { response_mode: 'fragment' });
    assert.equal(callback.search, '');
    const params = new URLSearchParams(callback.hash.slice(1));
    assert.equal(params.get('state'), started.state);
    assert.equal(params.get('iss'), s.lk.issuer);
    const tokens = await redeem(s.rp, new URL(`${s.rp.redirectUri}?${params}`), started);
    assert.equal(tokens.claims()!.sub, s.alice.id);
  });

  test('response_mode=form_post: a page that posts code and state to the redirect_uri, its one script allowed by its hash', async () => {
    const ua = userAgentFor(s.rp);
    const started = await startAuthorization(s.rp, { response_mode: 'form_post' });
    const login = await ua.go(started.url.toString());
    assert.ok(isLoginPage(login));
    const page = await submitPassword(ua, login, s.alice);
    assert.equal(page.status, 200);
    assert.match(page.html, new RegExp(`<form method="post" action="${s.rp.redirectUri}">`));
    const fields = Object.fromEntries([...page.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    assert.deepEqual(Object.keys(fields).sort(), ['code', 'iss', 'state']);
    assert.equal(fields.state, started.state);

    // Latchkey's CSP stays strict (no 'unsafe-inline'); the auto-submit script runs
    // because the policy names its SHA-256.
    const csp = page.headers.get('content-security-policy') ?? '';
    const script = /<script>([\s\S]*?)<\/script>/.exec(page.html)![1]!;
    const scriptSrc = /script-src ([^;]+)/.exec(csp)![1]!.split(' ');
    assert.ok(scriptSrc.includes(`'sha256-${createHash('sha256').update(script).digest('base64')}'`), csp);
    assert.ok(!scriptSrc.includes("'unsafe-inline'"));
    assert.match(csp, /default-src 'none'/);

    const posted = new Request(s.rp.redirectUri, { method: 'POST', body: new URLSearchParams(fields as Record<string, string>) });
    const tokens = await oidc.authorizationCodeGrant(s.rp.config, posted, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });
    assert.equal(tokens.claims()!.sub, s.alice.id);
  });
});
