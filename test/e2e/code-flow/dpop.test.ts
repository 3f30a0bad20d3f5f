import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { startLatchkey } from '../../helpers/latchkey.js';
import { oidc, relyingParty, signIn, userAgentFor, type TestRp } from '../../helpers/rp.js';
import { codeFlowSuite } from './setup.js';

/** Every request openid-client sends: its DPoP proof and what came back. */
function recordRequests(config: oidc.Configuration) {
  const seen: Array<{ url: string; proof?: string; authorization?: string; status: number; nonce: string | null }> = [];
  config[oidc.customFetch] = async (url, init) => {
    const headers = init.headers as Record<string, string>;
    const res = await fetch(url, init as RequestInit);
    seen.push({
      url,
      ...(headers.dpop ? { proof: headers.dpop } : {}),
      ...(headers.authorization ? { authorization: headers.authorization } : {}),
      status: res.status,
      nonce: res.headers.get('dpop-nonce'),
    });
    return res;
  };
  return seen;
}

const payloadOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

/** A DPoP proof (RFC 9449 §4.2) made by hand, for requests openid-client would not send. */
async function proof(htm: string, htu: string, claims: { nonce?: string; accessToken?: string } = {}, key?: CryptoKeyPair) {
  const { publicKey, privateKey } = key ?? (await generateKeyPair('ES256'));
  return new SignJWT({
    htm,
    htu,
    ...(claims.nonce ? { nonce: claims.nonce } : {}),
    ...(claims.accessToken ? { ath: createHash('sha256').update(claims.accessToken).digest('base64url') } : {}),
  })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: await exportJWK(publicKey) })
    .setJti(randomUUID())
    .setIssuedAt()
    .sign(privateKey);
}

codeFlowSuite('code flow: DPoP (RFC 9449)', (s) => {
  let app: TestRp;
  const publicApp = async () =>
    (app ??= await relyingParty(
      s.lk,
      await s.lk.createClient({ name: 'Phone app', public: true, redirectUris: ['http://localhost:8091/cb'], grantTypes: ['authorization_code', 'refresh_token'] }),
    ));

  async function boundTokens(dpop: oidc.DPoPHandle) {
    const rp = await publicApp();
    const ua = userAgentFor(rp);
    const { callback, started } = await signIn(ua, rp, s.alice, { scope: 'openid offline_access', prompt: 'consent' });
    return oidc.authorizationCodeGrant(
      rp.config,
      callback,
      { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce, idTokenExpected: true },
      undefined,
      { DPoP: dpop },
    );
  }

  test('DPoP: a public client gets access and refresh tokens bound to its key, after a server nonce', async () => {
    const rp = await publicApp();
    const seen = recordRequests(rp.config);
    const dpop = oidc.getDPoPHandle(rp.config, await oidc.randomDPoPKeyPair('ES256'));
    const tokens = await boundTokens(dpop);
    assert.equal(tokens.token_type, 'dpop');
    assert.ok(tokens.refresh_token);

    // RFC 9449 §8: the first proof (no nonce) is answered with use_dpop_nonce and a nonce,
    // the retried proof carries it.
    const [first, second] = seen.filter((r) => r.url.endsWith('/token'));
    assert.equal(first!.status, 400);
    assert.ok(first!.nonce, 'DPoP-Nonce header on the refusal');
    assert.equal(payloadOf(first!.proof!).nonce, undefined);
    assert.equal(second!.status, 200);
    assert.equal(payloadOf(second!.proof!).nonce, first!.nonce);

    const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, s.alice.id, { DPoP: dpop });
    assert.equal(info.sub, s.alice.id);

    // The refresh token is bound too (RFC 9449 §5, public clients): another key or no
    // proof at all is refused, and neither spends the token.
    const thief = oidc.getDPoPHandle(rp.config, await oidc.randomDPoPKeyPair('ES256'));
    const invalidGrant = (err: { error?: string }) => err.error === 'invalid_grant';
    await assert.rejects(oidc.refreshTokenGrant(rp.config, tokens.refresh_token!, undefined, { DPoP: thief }), invalidGrant);
    await assert.rejects(oidc.refreshTokenGrant(rp.config, tokens.refresh_token!), invalidGrant);
    const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!, undefined, { DPoP: dpop });
    assert.equal(refreshed.token_type, 'dpop');
    assert.equal((await oidc.fetchUserInfo(rp.config, refreshed.access_token, s.alice.id, { DPoP: dpop })).sub, s.alice.id);
  });

  test('DPoP: a bound access token is refused as a plain bearer token, and under another key', async () => {
    const rp = await publicApp();
    const dpop = oidc.getDPoPHandle(rp.config, await oidc.randomDPoPKeyPair('ES256'));
    const tokens = await boundTokens(dpop);
    const bearer = await fetch(`${s.lk.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(bearer.status, 401);
    assert.match(bearer.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    const thief = oidc.getDPoPHandle(rp.config, await oidc.randomDPoPKeyPair('ES256'));
    await assert.rejects(oidc.fetchUserInfo(rp.config, tokens.access_token, s.alice.id, { DPoP: thief }));
    // The token itself is fine: its own key still works.
    assert.equal((await oidc.fetchUserInfo(rp.config, tokens.access_token, s.alice.id, { DPoP: dpop })).sub, s.alice.id);
  });

  test('DPoP: a replayed proof is refused at userinfo and at the token endpoint', async () => {
    const rp = await publicApp();
    const seen = recordRequests(rp.config);
    const dpop = oidc.getDPoPHandle(rp.config, await oidc.randomDPoPKeyPair('ES256'));
    const tokens = await boundTokens(dpop);

    await oidc.fetchUserInfo(rp.config, tokens.access_token, s.alice.id, { DPoP: dpop });
    const used = [...seen].reverse().find((r) => r.url.endsWith('/me') && r.status === 200)!;
    const replay = await fetch(`${s.lk.issuer}/me`, { headers: { authorization: used.authorization!, dpop: used.proof! } });
    assert.equal(replay.status, 401, 'the same proof twice');
    assert.match(replay.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    assert.equal((await oidc.fetchUserInfo(rp.config, tokens.access_token, s.alice.id, { DPoP: dpop })).sub, s.alice.id, 'a fresh proof passes');

    // At the token endpoint: the proof of one refresh, sent again with the rotated
    // refresh token (same key, same nonce window), is refused; a fresh proof is not.
    const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!, undefined, { DPoP: dpop });
    const spent = [...seen].reverse().find((r) => r.url.endsWith('/token') && r.status === 200)!;
    const again = await fetch(`${s.lk.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: spent.proof! },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshed.refresh_token!, client_id: rp.clientId }),
    });
    assert.equal(again.status, 400);
    assert.equal(((await again.json()) as { error: string }).error, 'invalid_grant');
    const next = await oidc.refreshTokenGrant(rp.config, refreshed.refresh_token!, undefined, { DPoP: dpop });
    assert.equal(next.token_type, 'dpop');
  });

  test('DPoP: a nonce from one Latchkey process is good at another over the same stores', async () => {
    const second = await startLatchkey(s.lk.backend);
    try {
      const refused = await fetch(`${s.lk.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: await proof('POST', `${s.lk.issuer}/token`) },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'unknown', client_id: (await publicApp()).clientId }),
      });
      assert.equal(((await refused.json()) as { error: string }).error, 'use_dpop_nonce');
      const nonce = refused.headers.get('dpop-nonce')!;
      assert.ok(nonce);
      // At the second process a proof with that nonce gets past the nonce check: the
      // token is what fails (invalid_token), not the nonce (use_dpop_nonce).
      const at = async (nonceToUse: string) => {
        const res = await fetch(`${second.issuer}/me`, {
          headers: { authorization: 'DPoP not-a-token', dpop: await proof('GET', `${second.issuer}/me`, { nonce: nonceToUse, accessToken: 'not-a-token' }) },
        });
        return /error="([a-z_]+)"/.exec(res.headers.get('www-authenticate') ?? '')?.[1];
      };
      assert.equal(await at(nonce), 'invalid_token');
      assert.equal(await at('made-up-nonce'), 'use_dpop_nonce', 'a nonce Latchkey did not issue is refused');
    } finally {
      await second.close();
    }
  });

  test('DPoP: the same proof sent 10 times at once passes once', async () => {
    const rp = await publicApp();
    const seen = recordRequests(rp.config);
    const key = await generateKeyPair('ES256');
    const tokens = await boundTokens(oidc.getDPoPHandle(rp.config, key));
    const nonce = [...seen].reverse().find((r) => r.nonce)!.nonce!;
    const dpop = await proof('GET', `${s.lk.issuer}/me`, { nonce, accessToken: tokens.access_token }, key);
    const statuses = await Promise.all(
      Array.from({ length: 10 }, async () => (await fetch(`${s.lk.issuer}/me`, { headers: { authorization: `DPoP ${tokens.access_token}`, dpop } })).status),
    );
    assert.deepEqual(statuses.sort(), [200, ...Array(9).fill(401)]);
  });
});
