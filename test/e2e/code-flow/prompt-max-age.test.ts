import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isLoginPage, submitPassword, redeem, signIn, startAuthorization, userAgentFor } from '../../helpers/rp.js';
import { codeFlowSuite } from './setup.js';

codeFlowSuite('code flow: prompt, max_age and id_token_hint', (s) => {
  test('prompt=none: a code with a session, login_required without one', async () => {
    const ua = userAgentFor(s.rp);
    await signIn(ua, s.rp, s.alice);
    const withSession = await startAuthorization(s.rp, { prompt: 'none' });
    const page = await ua.go(withSession.url.toString());
    assert.equal(page.status, 0);
    const tokens = await redeem(s.rp, new URL(page.url), withSession);
    assert.equal(tokens.claims()!.sub, s.alice.id);

    const fresh = userAgentFor(s.rp);
    const noSession = await startAuthorization(s.rp, { prompt: 'none' });
    const denied = await fresh.go(noSession.url.toString());
    assert.equal(new URL(denied.url).searchParams.get('error'), 'login_required');
  });

  test('prompt=login and an exceeded max_age show the sign-in page again; a fresh session passes max_age', async () => {
    const ua = userAgentFor(s.rp);
    const { callback, started } = await signIn(ua, s.rp, s.alice);
    const firstAuthTime = (await redeem(s.rp, callback, started)).claims()!.auth_time as number;

    const login = await startAuthorization(s.rp, { prompt: 'login' });
    assert.ok(isLoginPage(await ua.go(login.url.toString())), 'prompt=login asks again');

    const recent = await startAuthorization(s.rp, { max_age: '3600' });
    assert.equal((await ua.go(recent.url.toString())).status, 0, 'a recent enough session goes straight back');

    await sleep(2100);
    const stale = await startAuthorization(s.rp, { max_age: '1' });
    const page = await ua.go(stale.url.toString());
    assert.ok(isLoginPage(page), 'max_age exceeded asks again');
    const done = await submitPassword(ua, page, s.alice);
    const claims = (await redeem(s.rp, new URL(done.url), stale)).claims()!;
    assert.ok((claims.auth_time as number) > firstAuthTime, 'auth_time moves forward');
  });

  test('id_token_hint with prompt=none names the signed-in user', async () => {
    const ua = userAgentFor(s.rp);
    const { callback, started } = await signIn(ua, s.rp, s.alice);
    const tokens = await redeem(s.rp, callback, started);
    const again = await startAuthorization(s.rp, { prompt: 'none', id_token_hint: tokens.id_token! });
    const page = await ua.go(again.url.toString());
    assert.equal((await redeem(s.rp, new URL(page.url), again)).claims()!.sub, s.alice.id);
  });

  test('acr_values beside an essential acr claim: the claim is not lost, a session never passes a bar it cannot meet (OIDC Core §5.5.1.1)', async () => {
    const ua = userAgentFor(s.rp);
    await signIn(ua, s.rp, s.alice);
    // An essential claim that names only unknown levels cannot be met, whatever acr_values adds.
    const unknownEssential = JSON.stringify({ id_token: { acr: { essential: true, values: ['urn:example:unknown'] } } });
    const errorOf = async (extra: Record<string, string>) => {
      const page = await ua.go((await startAuthorization(s.rp, { prompt: 'none', claims: unknownEssential, ...extra })).url.toString());
      const back = new URL(page.url);
      assert.equal(back.searchParams.get('code'), null, `no code for ${JSON.stringify(extra)}`);
      return back.searchParams.get('error');
    };
    const alone = await errorOf({});
    assert.ok(alone, 'the claim alone is refused');
    assert.equal(await errorOf({ acr_values: 'pwd' }), alone, 'with acr_values=pwd too, refused the same way');
    // Without the essential claim the same session passes that bar.
    const plain = await startAuthorization(s.rp, { prompt: 'none', acr_values: 'pwd' });
    assert.ok(new URL((await ua.go(plain.url.toString())).url).searchParams.get('code'));
  });
});
