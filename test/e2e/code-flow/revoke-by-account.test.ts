import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoginPage, oidc, redeem, signIn, startAuthorization, userAgentFor } from '../../helpers/rp.js';
import { revokeByAccount } from '../../../src/adapters/revoke-by-account.js';
import { codeFlowSuite } from './setup.js';

codeFlowSuite('code flow: ending everything an account holds', (s) => {
  test('sessions, refresh tokens and grants end; another account keeps its own; a kept session stays', async () => {
    const bob = await s.lk.createUser({ email: 'bob.revoke@example.com' });
    const carol = await s.lk.createUser({ email: 'carol.revoke@example.com' });
    const bobLaptop = userAgentFor(s.rp);
    const bobPhone = userAgentFor(s.rp);
    const carolUa = userAgentFor(s.rp);
    const offline = { scope: 'openid offline_access', prompt: 'consent' };
    const laptop = await signIn(bobLaptop, s.rp, bob, offline);
    const laptopTokens = await redeem(s.rp, laptop.callback, laptop.started);
    const sessionUids = async () =>
      (await s.open.db.query<{ uid: string }>(`SELECT uid FROM oidc_models WHERE model = 'Session' AND account_id = $1`, [bob.id])).rows.map((r) => r.uid);
    const [laptopUid] = await sessionUids();
    await signIn(bobPhone, s.rp, bob);
    const carolSignIn = await signIn(carolUa, s.rp, carol, offline);
    const carolTokens = await redeem(s.rp, carolSignIn.callback, carolSignIn.started);

    // Keep the phone's session, as "sign out everywhere else" does.
    const uids = await sessionUids();
    assert.equal(uids.length, 2);
    const phoneUid = uids.find((uid) => uid !== laptopUid)!;
    const ended = await revokeByAccount(s.open.db, bob.id, { keepSessionUid: phoneUid });
    assert.deepEqual({ sessions: ended.sessions, atLeastOneToken: ended.refreshTokens >= 1, atLeastOneGrant: ended.grants >= 1 }, { sessions: 1, atLeastOneToken: true, atLeastOneGrant: true });

    await assert.rejects(oidc.refreshTokenGrant(s.rp.config, laptopTokens.refresh_token!), (err: { error?: string }) => err.error === 'invalid_grant');
    assert.equal((await oidc.tokenIntrospection(s.rp.config, laptopTokens.access_token)).active, false, 'access tokens die with the grant');
    assert.ok(isLoginPage(await bobLaptop.go((await startAuthorization(s.rp)).url.toString())), 'the laptop is signed out');
    const phone = await bobPhone.go((await startAuthorization(s.rp)).url.toString());
    assert.equal(phone.status, 0, 'the kept session still signs in without a page');

    const carolRefreshed = await oidc.refreshTokenGrant(s.rp.config, carolTokens.refresh_token!);
    assert.ok(carolRefreshed.access_token, "another account's tokens are untouched");
  });
});
