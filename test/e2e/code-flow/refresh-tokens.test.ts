import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backends, type OpenBackend } from '../../helpers/backends.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { oidc, redeem, relyingParty, signIn, tokenEndpoint, userAgentFor, type TestRp } from '../../helpers/rp.js';
import { codeFlowSuite } from './setup.js';

/** The refresh-token reuse an operator sees: audit records since `since` (an audit id), and the metric. */
async function reuseSeen(lk: TestLatchkey, open: OpenBackend, since: number) {
  const { rows } = await open.db.query<{ type: string; client_id: string | null; account_id: string | null }>(
    "SELECT type, client_id, account_id FROM audit_events WHERE type LIKE 'refresh_token.%' AND id > $1 ORDER BY id",
    [since],
  );
  const metric = (await lk.metrics.registry.getSingleMetric('latchkey_refresh_token_reuse_total')!.get()).values;
  const count = (outcome: string) => metric.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  return { records: rows, revoked: count('revoked'), graced: count('graced') };
}
const lastAuditId = async (open: OpenBackend) => Number((await open.db.query<{ id: string | null }>('SELECT max(id) AS id FROM audit_events')).rows[0]!.id ?? 0);

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

    const since = await lastAuditId(s.open);
    const before = await reuseSeen(s.lk, s.open, since);
    await assert.rejects(oidc.refreshTokenGrant(s.rp.config, first.refresh_token!), (err: { error?: string }) => err.error === 'invalid_grant');
    // Recorded for the operator: a used token again may be a stolen one.
    const seen = await reuseSeen(s.lk, s.open, since);
    assert.deepEqual(seen.records, [{ type: 'refresh_token.reused', client_id: s.rp.clientId, account_id: s.alice.id }]);
    assert.equal(seen.revoked - before.revoked, 1);
    // The whole grant is gone: the newest refresh token and access token too.
    await assert.rejects(oidc.refreshTokenGrant(s.rp.config, second.refresh_token!), (err: { error?: string }) => err.error === 'invalid_grant');
    assert.equal((await oidc.tokenIntrospection(s.rp.config, second.access_token)).active, false);
  });

  test('several refreshes at once with one refresh token: exactly one rotates it, and the others, replays, revoke the grant', async () => {
    const ua = userAgentFor(s.rp);
    const { callback, started } = await signIn(ua, s.rp, s.alice, { scope: 'openid offline_access', prompt: 'consent' });
    const held = (await redeem(s.rp, callback, started)).refresh_token!;
    const since = await lastAuditId(s.open);
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        tokenEndpoint(s.lk, { grant_type: 'refresh_token', refresh_token: held }, { id: s.rp.clientId, secret: s.rp.clientSecret! }),
      ),
    );
    assert.equal(results.filter((r) => r.status === 200).length, 1, JSON.stringify(results.map((r) => [r.status, r.body.error])));
    for (const r of results.filter((r) => r.status !== 200)) assert.equal(r.body.error, 'invalid_grant');
    // Each loser that still found the token is a replay on record; one that came after the
    // first revocation finds no token at all (its grant and every token under it are gone).
    const records = (await reuseSeen(s.lk, s.open, since)).records;
    assert.ok(records.length >= 1 && records.every((r) => r.type === 'refresh_token.reused'), JSON.stringify(records));
    // Whether a loser came before the winner's rotation was written or after it, it is a
    // replay (RFC 9700 §4.14.2): the winner's new tokens are revoked with the grant.
    const won = results.find((r) => r.status === 200)!.body;
    await assert.rejects(oidc.refreshTokenGrant(s.rp.config, String(won.refresh_token)), (err: { error?: string }) => err.error === 'invalid_grant');
    assert.equal((await oidc.tokenIntrospection(s.rp.config, String(won.access_token))).active, false);
  });
});

// LATCHKEY_REFRESH_REUSE_GRACE_SECONDS: two tabs of one app refreshing with the same token.
for (const backend of backends()) {
  describe(`code flow: refresh tokens, with a reuse grace (${backend.name})`, () => {
    let open: OpenBackend;
    let lk: TestLatchkey;
    let rp: TestRp;
    let alice: { id: string; email: string; password: string };
    before(async () => {
      open = await backend.open();
      lk = await startLatchkey(open, { LATCHKEY_REFRESH_REUSE_GRACE_SECONDS: '60' });
      rp = await relyingParty(lk, await lk.createClient({ name: 'Notes' }));
      alice = await lk.createUser({ email: 'alice@example.com', name: 'Alice Example' });
    });
    after(async () => {
      await lk?.close();
      await open?.close();
    });
    const refresh = (token: string) => tokenEndpoint(lk, { grant_type: 'refresh_token', refresh_token: token }, { id: rp.clientId, secret: rp.clientSecret! });
    async function heldToken(): Promise<string> {
      const ua = userAgentFor(rp);
      const { callback, started } = await signIn(ua, rp, alice, { scope: 'openid offline_access', prompt: 'consent' });
      return (await redeem(rp, callback, started)).refresh_token!;
    }

    test('several refreshes at once: one rotates, the others get invalid_grant, and the grant stays', async () => {
      const held = await heldToken();
      const since = await lastAuditId(open);
      const results = await Promise.all(Array.from({ length: 5 }, () => refresh(held)));
      assert.equal(results.filter((r) => r.status === 200).length, 1, JSON.stringify(results.map((r) => [r.status, r.body.error])));
      for (const r of results.filter((r) => r.status !== 200)) assert.equal(r.body.error, 'invalid_grant');
      // Four presentations of one used token within the grace: one record, whichever way each lost.
      assert.deepEqual((await reuseSeen(lk, open, since)).records.map((r) => r.type), ['refresh_token.reused_in_grace']);
      const won = results.find((r) => r.status === 200)!.body;
      assert.equal((await oidc.tokenIntrospection(rp.config, String(won.access_token))).active, true);
      assert.equal((await refresh(String(won.refresh_token))).status, 200, "the winner's refresh token goes on working");
    });

    test('revoking the rotated token within the grace still revokes the grant', async () => {
      const first = await heldToken();
      const second = await refresh(first);
      assert.equal(second.status, 200);
      // What an app does when the person signs out in the tab that still holds the old token.
      await oidc.tokenRevocation(rp.config, first, { token_type_hint: 'refresh_token' });
      assert.equal((await refresh(String(second.body.refresh_token))).body.error, 'invalid_grant');
      assert.equal((await oidc.tokenIntrospection(rp.config, String(second.body.access_token))).active, false);
    });

    test('the rotated token again within the grace: invalid_grant, the grant stays; after the grace: the grant is revoked', async () => {
      const first = await heldToken();
      const second = await refresh(first);
      assert.equal(second.status, 200);
      const since = await lastAuditId(open);
      const before = await reuseSeen(lk, open, since);
      const again = await refresh(first);
      assert.equal(again.status, 400);
      assert.equal(again.body.error, 'invalid_grant');
      // An app retrying in a loop: still one record for the token within the grace.
      assert.equal((await refresh(first)).body.error, 'invalid_grant');
      const graced = await reuseSeen(lk, open, since);
      assert.deepEqual(graced.records, [{ type: 'refresh_token.reused_in_grace', client_id: rp.clientId, account_id: alice.id }]);
      assert.deepEqual([graced.graced - before.graced, graced.revoked - before.revoked], [1, 0]);
      assert.equal((await oidc.tokenIntrospection(rp.config, String(second.body.access_token))).active, true);
      // The rotation as if it had been two minutes ago (the grace is 60 s): a replay like any other.
      await open.db.query(`UPDATE oidc_models SET consumed_at = now() - interval '2 minutes' WHERE model = 'RefreshToken' AND consumed_at IS NOT NULL`);
      const late = await refresh(first);
      assert.equal(late.body.error, 'invalid_grant');
      const revoked = await reuseSeen(lk, open, since);
      assert.deepEqual(revoked.records.map((r) => r.type), ['refresh_token.reused_in_grace', 'refresh_token.reused']);
      assert.deepEqual([revoked.graced - before.graced, revoked.revoked - before.revoked], [1, 1]);
      const third = await refresh(String(second.body.refresh_token));
      assert.equal(third.body.error, 'invalid_grant', 'the grant was revoked with every token under it (RFC 9700 §4.14.2)');
      assert.equal((await oidc.tokenIntrospection(rp.config, String(second.body.access_token))).active, false);
    });
  });
}
