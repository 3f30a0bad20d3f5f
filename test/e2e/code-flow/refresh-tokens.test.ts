import assert from 'node:assert/strict';
import { test } from 'node:test';
import { oidc, redeem, signIn, tokenEndpoint, userAgentFor } from '../../helpers/rp.js';
import { codeFlowSuite } from './setup.js';

codeFlowSuite('code flow: refresh tokens', (s) => {
  test('offline_access gives refresh tokens that rotate; reusing a rotated one revokes the grant', async () => {
    const ua = userAgentFor(s.rp);
    const { callback, started } = await signIn(ua, s.rp, s.alice, { scope: 'openid offline_access', prompt: 'consent' });
    const first = await redeem(s.rp, callback, started);
    assert.ok(first.refresh_token);
    const second = await oidc.refreshTokenGrant(s.rp.config, first.refresh_token!);
    assert.ok(second.refresh_token);
    assert.notEqual(second.refresh_token, first.refresh_token, 'rotated on use');
    assert.equal((await oidc.tokenIntrospection(s.rp.config, second.access_token)).active, true);

    await assert.rejects(oidc.refreshTokenGrant(s.rp.config, first.refresh_token!), (err: { error?: string }) => err.error === 'invalid_grant');
    // The whole grant is gone: the newest refresh token and access token too.
    await assert.rejects(oidc.refreshTokenGrant(s.rp.config, second.refresh_token!), (err: { error?: string }) => err.error === 'invalid_grant');
    assert.equal((await oidc.tokenIntrospection(s.rp.config, second.access_token)).active, false);
  });

  test('several refreshes at once with one refresh token: exactly one rotates it, and the others, replays, revoke the grant', async () => {
    const ua = userAgentFor(s.rp);
    const { callback, started } = await signIn(ua, s.rp, s.alice, { scope: 'openid offline_access', prompt: 'consent' });
    const held = (await redeem(s.rp, callback, started)).refresh_token!;
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        tokenEndpoint(s.lk, { grant_type: 'refresh_token', refresh_token: held }, { id: s.rp.clientId, secret: s.rp.clientSecret! }),
      ),
    );
    assert.equal(results.filter((r) => r.status === 200).length, 1, JSON.stringify(results.map((r) => [r.status, r.body.error])));
    for (const r of results.filter((r) => r.status !== 200)) assert.equal(r.body.error, 'invalid_grant');
    // Whether a loser came before the winner's rotation was written or after it, it is a
    // replay (RFC 9700 §4.14.2): the winner's new tokens are revoked with the grant.
    const won = results.find((r) => r.status === 200)!.body;
    await assert.rejects(oidc.refreshTokenGrant(s.rp.config, String(won.refresh_token)), (err: { error?: string }) => err.error === 'invalid_grant');
    assert.equal((await oidc.tokenIntrospection(s.rp.config, String(won.access_token))).active, false);
  });
});
