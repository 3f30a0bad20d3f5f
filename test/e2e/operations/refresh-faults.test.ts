import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { openOwnBackend, ownPostgres, ownRedis, waitFor, type OwnStore } from '../../helpers/own-stores.js';
import { redeem, relyingParty, signIn, tokenEndpoint, userAgentFor, type TestRp } from '../../helpers/rp.js';
import type { OpenBackend } from '../../helpers/backends.js';
import { createTraps } from '../../helpers/store-traps.js';

/**
 * Issue 13 "Faults", refresh-token rotation: the old refresh token lives in Postgres,
 * the new access token in Redis, so a rotation writes to both. A store that fails at any
 * point of it must answer `temporarily_unavailable` and leave the grant as it was: the
 * client's retry with the same refresh token, once the store is back, gets new tokens
 * instead of being taken for a replay that revokes the grant (signing the user out).
 * Reuse of a token that was rotated successfully is still a replay (RFC 9700 §4.14.2).
 *
 * The faults strike at exact points of the rotation through traps set on the stores
 * Latchkey is given: right after the statement that marks the old token used, and right
 * before the access token is saved.
 */
describe('operations: a store fails in the middle of a refresh-token rotation', () => {
  let pg: OwnStore;
  let redis: OwnStore;
  let open: OpenBackend;
  let lk: TestLatchkey;
  let rp: TestRp;
  const traps = createTraps();

  before(async () => {
    [pg, redis] = await Promise.all([ownPostgres(), ownRedis()]);
    open = await openOwnBackend(pg, redis);
    lk = await startLatchkey({ ...open, db: traps.db(open.db), ephemeral: traps.ephemeral(open.ephemeral) });
    rp = await relyingParty(lk, await lk.createClient({ name: 'Notes' }));
  });
  after(async () => {
    await lk?.close().catch(() => {});
    await open?.close().catch(() => {});
    await Promise.allSettled([pg?.close(), redis?.close()]);
  });

  const ready = async () => (await fetch(`${lk.issuer}/readyz`)).status === 200;
  const refresh = (refreshToken: string) =>
    tokenEndpoint(lk, { grant_type: 'refresh_token', refresh_token: refreshToken }, { id: rp.clientId, secret: rp.clientSecret! });

  async function refreshToken(): Promise<string> {
    const user = await lk.createUser();
    const ua = userAgentFor(rp);
    const { callback, started } = await signIn(ua, rp, user, { scope: 'openid offline_access', prompt: 'consent' });
    const tokens = await redeem(rp, callback, started);
    assert.ok(tokens.refresh_token);
    return tokens.refresh_token;
  }

  function unavailable(res: Awaited<ReturnType<typeof refresh>>) {
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal(res.body.error, 'temporarily_unavailable');
  }

  /** The retry with `held` gets new tokens; replaying `held` after that revokes the grant. */
  async function retrySucceedsThenReuseRevokes(held: string) {
    const retried = await refresh(held);
    assert.equal(retried.status, 200, `the retry with the same refresh token works: ${JSON.stringify(retried.body)}`);
    const next = String(retried.body.refresh_token);
    assert.notEqual(next, held, 'rotated');
    const again = await refresh(next);
    assert.equal(again.status, 200, 'the new refresh token works');
    const latest = String(again.body.refresh_token);

    const replay = await refresh(held);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant', 'a rotated refresh token is a replay');
    assert.equal((await refresh(latest)).body.error, 'invalid_grant', 'the replay revoked the whole grant');
  }

  test('Redis dies just before the new access token is saved: 503, then the same refresh token works', async () => {
    const held = await refreshToken();
    traps.beforeAccessTokenSave(() => redis.kill());
    unavailable(await refresh(held));

    await redis.start();
    await waitFor('/readyz green after Redis is back', ready);
    await retrySucceedsThenReuseRevokes(held);
  });

  /**
   * Postgres killed at `arm`'s point of a rotation, then started again: the refresh either
   * answered 503 and the same refresh token works after, or it answered with new tokens
   * (the rotation was written before the crash) and those work. Never the grant lost.
   */
  async function postgresDiesDuringRotation(arm: () => void) {
    const held = await refreshToken();
    arm();
    const outcome = await refresh(held);
    await pg.start();
    await waitFor('/readyz green after Postgres is back', ready);
    if (outcome.status === 200) {
      const next = await refresh(String(outcome.body.refresh_token));
      assert.equal(next.status, 200, `the rotation written before the crash holds: ${JSON.stringify(next.body)}`);
    } else {
      unavailable(outcome);
      await retrySucceedsThenReuseRevokes(held);
    }
  }

  test('Postgres dies just after the statement that marks the old refresh token used: the grant survives', async () => {
    await postgresDiesDuringRotation(() => traps.afterStatement(/SET consumed_at/, () => pg.kill()));
  });

  test('Postgres dies just before the new access token is saved: 503, then the same refresh token works', async () => {
    const held = await refreshToken();
    traps.beforeAccessTokenSave(() => pg.kill());
    unavailable(await refresh(held));

    await pg.start();
    await waitFor('/readyz green after Postgres is back', ready);
    await retrySucceedsThenReuseRevokes(held);
  });

  test('two refreshes with one token, the first held just before its access token is saved: exactly one wins, and the other, a replay, revokes the grant', async () => {
    const held = await refreshToken();
    let release!: () => void;
    const sprung = new Promise<void>((resolve) => {
      traps.beforeAccessTokenSave(() => {
        resolve();
        return new Promise<void>((go) => (release = go));
      });
    });
    const first = refresh(held);
    await sprung;
    const second = await refresh(held);
    release();
    const results = [await first, second];

    const won = results.filter((r) => r.status === 200);
    assert.equal(won.length, 1, JSON.stringify(results.map((r) => [r.status, r.body.error])));
    const lost = results.find((r) => r.status !== 200)!;
    assert.equal(lost.status, 400);
    assert.equal(lost.body.error, 'invalid_grant');
    // RFC 9700 §4.14.2: the server cannot tell which of the two was the thief, so the
    // grant goes, the winner's new refresh token with it: as when the replay comes later.
    const next = await refresh(String(won[0]!.body.refresh_token));
    assert.equal(next.status, 400, `the winner's refresh token is revoked: ${JSON.stringify(next.body)}`);
    assert.equal(next.body.error, 'invalid_grant');
  });
});
