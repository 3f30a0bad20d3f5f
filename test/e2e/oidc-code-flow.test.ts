import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { startLatchkey, type TestLatchkey } from '../helpers/latchkey.js';
import { isLoginPage, oidc, submitPassword, redeem, relyingParty, signIn, startAuthorization, tokenEndpoint, userAgentFor, type TestRp } from '../helpers/rp.js';
import { UserAgent } from '../helpers/user-agent.js';

for (const backend of backends()) {
  describe(`authorization code + PKCE with password sign-in (${backend.name})`, () => {
    let open: OpenBackend;
    let lk: TestLatchkey;
    let rp: TestRp;
    let other: TestRp;
    let alice: { id: string; email: string; password: string };

    before(async () => {
      open = await backend.open();
      lk = await startLatchkey(open, { LATCHKEY_LOCKOUT_ATTEMPTS: '4' });
      rp = await relyingParty(lk, await lk.createClient({ name: 'Notes' }));
      other = await relyingParty(lk, await lk.createClient({ name: 'Calendar', redirectUris: ['http://localhost:8090/cb'] }));
      alice = await lk.createUser({ email: 'alice@example.com', name: 'Alice Example' });
    });
    after(async () => {
      await lk?.close();
      await open?.close();
    });

    test('a relying party signs a user in and gets ID token, access token and userinfo', async () => {
      const ua = userAgentFor(rp);
      const { callback, started } = await signIn(ua, rp, { email: 'ALICE@example.com', password: alice.password });
      assert.equal(callback.searchParams.get('iss'), lk.issuer, 'RFC 9207 iss in the authorization response');
      const tokens = await redeem(rp, callback, started);
      const claims = tokens.claims()!;
      assert.equal(claims.sub, alice.id);
      assert.notEqual(claims.sub, alice.email, 'sub is opaque, not the email');
      assert.equal(claims.acr, 'pwd');
      assert.deepEqual(claims.amr, ['pwd']);
      assert.equal(typeof claims.auth_time, 'number');
      assert.ok(Math.abs((claims.auth_time as number) - Date.now() / 1000) < 30);
      const header = JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString());
      assert.equal(header.alg, 'ES256');
      assert.equal(tokens.refresh_token, undefined, 'no refresh token without offline_access');
      const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, alice.id);
      assert.equal(info.email, 'alice@example.com');
      assert.equal(info.email_verified, true);
      assert.equal(info.name, 'Alice Example');
    });

    test('discovery publishes code flow only, S256 only, acr values and both signing algorithms', async () => {
      const meta = rp.config.serverMetadata();
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
      const base = { client_id: rp.clientId, redirect_uri: rp.redirectUri, scope: 'openid', state: 's1' };
      const ua = userAgentFor(rp);
      const attempts: Array<Record<string, string>> = [{ response_type: 'code' }, { response_type: 'code', code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }];
      for (const extra of attempts) {
        const page = await ua.go(`${lk.issuer}/auth?${new URLSearchParams({ ...base, ...extra })}`);
        const cb = new URL(page.url);
        assert.equal(page.status, 0, 'the error goes back to the registered redirect_uri');
        assert.equal(cb.searchParams.get('error'), 'invalid_request');
      }
      const implicit = await ua.go(`${lk.issuer}/auth?${new URLSearchParams({ ...base, response_type: 'id_token', nonce: 'n' })}`);
      assert.match(new URL(implicit.url).hash + new URL(implicit.url).search, /error=unsupported_response_type/);
    });

    test('offline_access gives refresh tokens that rotate; reusing a rotated one revokes the grant', async () => {
      const ua = userAgentFor(rp);
      const { callback, started } = await signIn(ua, rp, alice, { scope: 'openid offline_access', prompt: 'consent' });
      const first = await redeem(rp, callback, started);
      assert.ok(first.refresh_token);
      const second = await oidc.refreshTokenGrant(rp.config, first.refresh_token!);
      assert.ok(second.refresh_token);
      assert.notEqual(second.refresh_token, first.refresh_token, 'rotated on use');
      assert.equal((await oidc.tokenIntrospection(rp.config, second.access_token)).active, true);

      await assert.rejects(oidc.refreshTokenGrant(rp.config, first.refresh_token!), (err: { error?: string }) => err.error === 'invalid_grant');
      // The whole grant is gone: the newest refresh token and access token too.
      await assert.rejects(oidc.refreshTokenGrant(rp.config, second.refresh_token!), (err: { error?: string }) => err.error === 'invalid_grant');
      assert.equal((await oidc.tokenIntrospection(rp.config, second.access_token)).active, false);
    });

    test('introspection and revocation only for the client\'s own tokens', async () => {
      const ua = userAgentFor(rp);
      const { callback, started } = await signIn(ua, rp, alice);
      const tokens = await redeem(rp, callback, started);
      const own = await oidc.tokenIntrospection(rp.config, tokens.access_token);
      assert.equal(own.active, true);
      assert.equal(own.sub, alice.id);
      assert.equal(own.client_id, rp.clientId);
      assert.equal(own.acr, 'pwd', 'the sign-in strength travels with the token');
      assert.deepEqual(own.amr, ['pwd']);
      assert.equal((await oidc.tokenIntrospection(other.config, tokens.access_token)).active, false, 'another client learns nothing');
      await assert.rejects(oidc.tokenRevocation(other.config, tokens.access_token));
      assert.equal((await oidc.tokenIntrospection(rp.config, tokens.access_token)).active, true, 'another client cannot revoke it');
      await oidc.tokenRevocation(rp.config, tokens.access_token);
      assert.equal((await oidc.tokenIntrospection(rp.config, tokens.access_token)).active, false);
      await assert.rejects(oidc.fetchUserInfo(rp.config, tokens.access_token, alice.id));
    });

    test('prompt=none: a code with a session, login_required without one', async () => {
      const ua = userAgentFor(rp);
      await signIn(ua, rp, alice);
      const withSession = await startAuthorization(rp, { prompt: 'none' });
      const page = await ua.go(withSession.url.toString());
      assert.equal(page.status, 0);
      const tokens = await redeem(rp, new URL(page.url), withSession);
      assert.equal(tokens.claims()!.sub, alice.id);

      const fresh = userAgentFor(rp);
      const noSession = await startAuthorization(rp, { prompt: 'none' });
      const denied = await fresh.go(noSession.url.toString());
      assert.equal(new URL(denied.url).searchParams.get('error'), 'login_required');
    });

    test('prompt=login and an exceeded max_age show the sign-in page again; a fresh session passes max_age', async () => {
      const ua = userAgentFor(rp);
      const { callback, started } = await signIn(ua, rp, alice);
      const firstAuthTime = (await redeem(rp, callback, started)).claims()!.auth_time as number;

      const login = await startAuthorization(rp, { prompt: 'login' });
      assert.ok(isLoginPage(await ua.go(login.url.toString())), 'prompt=login asks again');

      const recent = await startAuthorization(rp, { max_age: '3600' });
      assert.equal((await ua.go(recent.url.toString())).status, 0, 'a recent enough session goes straight back');

      await sleep(2100);
      const stale = await startAuthorization(rp, { max_age: '1' });
      const page = await ua.go(stale.url.toString());
      assert.ok(isLoginPage(page), 'max_age exceeded asks again');
      const done = await submitPassword(ua, page, alice);
      const claims = (await redeem(rp, new URL(done.url), stale)).claims()!;
      assert.ok((claims.auth_time as number) > firstAuthTime, 'auth_time moves forward');
    });

    test('id_token_hint with prompt=none names the signed-in user', async () => {
      const ua = userAgentFor(rp);
      const { callback, started } = await signIn(ua, rp, alice);
      const tokens = await redeem(rp, callback, started);
      const again = await startAuthorization(rp, { prompt: 'none', id_token_hint: tokens.id_token! });
      const page = await ua.go(again.url.toString());
      assert.equal((await redeem(rp, new URL(page.url), again)).claims()!.sub, alice.id);
    });

    test('unknown acr_values are ignored (voluntary, OIDC Core §3.1.2.1)', async () => {
      const ua = userAgentFor(rp);
      const { callback, started } = await signIn(ua, rp, alice, { acr_values: 'urn:example:unknown' });
      assert.equal((await redeem(rp, callback, started)).claims()!.acr, 'pwd');
    });

    test('RP-initiated logout: confirmation page, then back to post_logout_redirect_uri, session gone', async () => {
      const ua = new UserAgent((u) => u.origin === 'http://localhost:8089');
      const { callback, started } = await signIn(ua, rp, alice);
      const tokens = await redeem(rp, callback, started);
      const endUrl = oidc.buildEndSessionUrl(rp.config, {
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

      const check = await startAuthorization(rp, { prompt: 'none' });
      const after = await ua.go(check.url.toString());
      assert.equal(new URL(after.url).searchParams.get('error'), 'login_required');
    });

    test('an unregistered or altered redirect_uri gets an error page, never a redirect', async () => {
      for (const redirectUri of ['https://attacker.example/cb', `${rp.redirectUri}/extra`, `${rp.redirectUri}?x=1`]) {
        const started = await startAuthorization(rp, { redirect_uri: redirectUri });
        const res = await fetch(started.url, { redirect: 'manual' });
        assert.equal(res.status, 400);
        assert.equal(res.headers.get('location'), null);
        const html = await res.text();
        assert.match(html, /registered/);
        assert.ok(!html.includes('attacker.example'), 'the page does not echo the input');
      }
    });

    test('wrong client secret → 401 invalid_client', async () => {
      const res = await tokenEndpoint(lk, { grant_type: 'authorization_code', code: 'x', redirect_uri: rp.redirectUri, code_verifier: 'v'.repeat(43) }, { id: rp.clientId, secret: 'not-the-secret' });
      assert.equal(res.status, 401);
      assert.equal(res.body.error, 'invalid_client');
    });

    test('wrong PKCE verifier and another client\'s code → invalid_grant', async () => {
      const ua = userAgentFor(rp);
      const a = await signIn(ua, rp, alice);
      const wrong = await tokenEndpoint(lk, { grant_type: 'authorization_code', code: a.callback.searchParams.get('code')!, redirect_uri: rp.redirectUri, code_verifier: oidc.randomPKCECodeVerifier() }, { id: rp.clientId, secret: rp.clientSecret! });
      assert.equal(wrong.status, 400);
      assert.equal(wrong.body.error, 'invalid_grant');

      const b = await signIn(ua, rp, alice);
      const stolen = await tokenEndpoint(lk, { grant_type: 'authorization_code', code: b.callback.searchParams.get('code')!, redirect_uri: rp.redirectUri, code_verifier: b.started.verifier }, { id: other.clientId, secret: other.clientSecret! });
      assert.equal(stolen.body.error, 'invalid_grant');
    });

    test('a replayed code → invalid_grant, and the tokens from the first redemption are revoked', async () => {
      const ua = userAgentFor(rp);
      const { callback, started } = await signIn(ua, rp, alice);
      const tokens = await redeem(rp, callback, started);
      const replay = await tokenEndpoint(lk, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: rp.redirectUri, code_verifier: started.verifier }, { id: rp.clientId, secret: rp.clientSecret! });
      assert.equal(replay.body.error, 'invalid_grant');
      assert.equal((await oidc.tokenIntrospection(rp.config, tokens.access_token)).active, false);
    });

    test('20 parallel redemptions of one code: exactly one succeeds', async () => {
      const ua = userAgentFor(rp);
      const { callback, started } = await signIn(ua, rp, alice);
      const params = { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: rp.redirectUri, code_verifier: started.verifier };
      const results = await Promise.all(Array.from({ length: 20 }, () => tokenEndpoint(lk, params, { id: rp.clientId, secret: rp.clientSecret! })));
      assert.equal(results.filter((r) => r.status === 200).length, 1);
      assert.ok(results.filter((r) => r.status !== 200).every((r) => r.body.error === 'invalid_grant'));
    });

    test('unknown email and wrong password look the same; CSRF token required', async () => {
      const ua = userAgentFor(rp);
      const started = await startAuthorization(rp);
      const page = await ua.go(started.url.toString());
      assert.match(page.html, /<title>Sign in · Latchkey<\/title>/, 'the page is rendered whole, layout included');
      assert.match(page.html, /name="email" type="email" autocomplete="username webauthn"/);
      const unknown = await ua.submit(page, '/login', { email: 'nobody@example.com', password: 'whatever-password' });
      const wrong = await ua.submit(page, '/login', { email: alice.email, password: 'not-her-password' });
      assert.equal(unknown.status, 401);
      assert.equal(wrong.status, 401);
      const message = (html: string) => /<p class="error"[^>]*>([^<]*)</.exec(html)?.[1];
      assert.equal(message(unknown.html), message(wrong.html));
      assert.ok(message(wrong.html));

      const forged = await ua.submit(page, '/login', { email: alice.email, password: alice.password, _csrf: 'forged' });
      assert.equal(forged.status, 403);
      assert.doesNotMatch(forged.html, /at .*\.ts/, 'no stack trace');
    });

    test('repeated failures lock the account, for existing and unknown emails alike', async () => {
      const bob = await lk.createUser({ email: 'bob@example.com' });
      const ua = userAgentFor(rp);
      const page = await ua.go((await startAuthorization(rp)).url.toString());
      for (const email of [bob.email, 'ghost@example.com']) {
        const statuses: number[] = [];
        for (let i = 0; i < 5; i += 1) statuses.push((await ua.submit(page, '/login', { email, password: `wrong-${i}-password` })).status);
        assert.deepEqual(statuses, [401, 401, 401, 429, 429], email);
      }
      const blocked = await ua.submit(page, '/login', { email: bob.email, password: bob.password });
      assert.equal(blocked.status, 429, 'the right password does not open a locked account');
      assert.ok(blocked.headers.get('retry-after'));
    });

    test('Cancel returns access_denied to the client', async () => {
      const ua = userAgentFor(rp);
      const started = await startAuthorization(rp);
      const page = await ua.go(started.url.toString());
      const back = await ua.submit(page, '/abort');
      const cb = new URL(back.url);
      assert.equal(cb.searchParams.get('error'), 'access_denied');
      assert.equal(cb.searchParams.get('state'), started.state);
    });

    test('third-party clients ask for consent; first-party clients do not', async () => {
      const third = await relyingParty(lk, await lk.createClient({ name: 'Partner App', thirdParty: true }));
      const ua = userAgentFor(third);
      const started = await startAuthorization(third);
      const login = await ua.go(started.url.toString());
      const consent = await submitPassword(ua, login, alice);
      assert.equal(consent.status, 200);
      assert.match(consent.html, /Partner App/);
      assert.match(consent.html, /See your email address/);
      const done = await ua.submit(consent, '/consent');
      const tokens = await redeem(third, new URL(done.url), started);
      assert.equal(tokens.claims()!.sub, alice.id);

      const denied = await ua.go((await startAuthorization(third, { prompt: 'consent' })).url.toString());
      const back = await ua.submit(denied, '/abort');
      assert.equal(new URL(back.url).searchParams.get('error'), 'access_denied');
    });

    test('an unknown or expired interaction shows a readable page with a way back', async () => {
      const res = await fetch(`${lk.issuer}/interaction/does-not-exist`);
      assert.equal(res.status, 400);
      const html = await res.text();
      assert.match(html, /expired/);
      assert.match(html, /href="\/"/);
      assert.doesNotMatch(html, /Error:|at [\w.]+ \(/);
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    });
  });
}
