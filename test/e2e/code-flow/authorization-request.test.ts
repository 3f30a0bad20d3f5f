import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startAuthorization, userAgentFor } from '../../helpers/rp.js';
import { codeFlowSuite } from './setup.js';

codeFlowSuite('code flow: discovery and authorization requests', (s) => {
  test('discovery publishes code flow only, S256 only, acr values and both signing algorithms', async () => {
    const meta = s.rp.config.serverMetadata();
    assert.deepEqual(meta.response_types_supported, ['code']);
    assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(meta.acr_values_supported, ['pwd', 'phr', 'phrh']);
    assert.equal(meta.authorization_response_iss_parameter_supported, true);
    assert.ok(!meta.grant_types_supported?.includes('password'));
    const jwks = (await (await fetch(meta.jwks_uri!)).json()) as { keys: Array<{ alg: string; d?: string }> };
    assert.deepEqual(jwks.keys.map((k) => k.alg).sort(), ['ES256', 'RS256']);
    assert.ok(jwks.keys.every((k) => k.d === undefined), 'no private parts published');
  });

  test('PKCE is required, plain refused, implicit refused', async () => {
    const base = { client_id: s.rp.clientId, redirect_uri: s.rp.redirectUri, scope: 'openid', state: 's1' };
    const ua = userAgentFor(s.rp);
    const attempts: Array<Record<string, string>> = [{ response_type: 'code' }, { response_type: 'code', code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }];
    for (const extra of attempts) {
      const page = await ua.go(`${s.lk.issuer}/auth?${new URLSearchParams({ ...base, ...extra })}`);
      const cb = new URL(page.url);
      assert.equal(page.status, 0, 'the error goes back to the registered redirect_uri');
      assert.equal(cb.searchParams.get('error'), 'invalid_request');
    }
    const implicit = await ua.go(`${s.lk.issuer}/auth?${new URLSearchParams({ ...base, response_type: 'id_token', nonce: 'n' })}`);
    assert.match(new URL(implicit.url).hash + new URL(implicit.url).search, /error=unsupported_response_type/);
  });

  test('an unregistered or altered redirect_uri gets an error page, never a redirect', async () => {
    for (const redirectUri of ['https://attacker.example/cb', `${s.rp.redirectUri}/extra`, `${s.rp.redirectUri}?x=1`]) {
      const started = await startAuthorization(s.rp, { redirect_uri: redirectUri });
      const res = await fetch(started.url, { redirect: 'manual' });
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('location'), null);
      const html = await res.text();
      assert.match(html, /registered/);
      assert.ok(!html.includes('attacker.example'), 'the page does not echo the input');
    }
  });
});
