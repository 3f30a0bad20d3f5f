import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redeem, relyingParty, signIn, userAgentFor } from '../../helpers/rp.js';
import { API, OPAQUE_API, OTHER_API, SCOPE, machineClientsSuite } from './setup.js';
import { createAccountsRepo } from '../../../src/accounts/accounts-repo.js';
import { createApiKeys } from '../../../src/clients/api-keys.js';
import { createResourcesRepo } from '../../../src/clients/resources-repo.js';

machineClientsSuite('machine clients: the example resource server', (m) => {
  const { machine, token, call } = m;

  test('the example resource server: user route, service route, either, and the RFC 9470 challenge', async () => {
    const job = await machine();
    const service = String((await token(job, { scope: SCOPE, resource: API })).body.access_token);
    assert.equal((await call('/service', service)).status, 200);
    assert.equal((await call('/either', service)).body.kind, 'service');
    assert.equal((await call('/me', service)).status, 401);
    const opaqueService = String((await token(job, { scope: SCOPE, resource: OPAQUE_API })).body.access_token);
    assert.equal((await call('/service', opaqueService, m.opaqueApi.url)).status, 200, 'opaque tokens by introspection');
    assert.equal((await call('/service', opaqueService)).status, 401, 'a token for another API is refused');

    // A user token for the API: sign in with a password, ask for the API's scope.
    const web = await relyingParty(m.lk, await m.lk.createClient({ name: 'Reports web', scope: 'openid email', resources: [{ indicator: API, scopes: [SCOPE] }] }));
    const alice = await m.lk.createUser({ email: 'alice@example.com' });
    const ua = userAgentFor(web);
    const { callback, started } = await signIn(ua, web, alice, { scope: `openid ${SCOPE}`, resource: API });
    const tokens = await redeem(web, callback, started);
    const user = await call('/me', tokens.access_token);
    assert.equal(user.status, 200);
    assert.equal(user.body.sub, alice.id);
    assert.equal(user.body.acr, 'pwd', 'the JWT access token carries the sign-in strength');
    assert.deepEqual(user.body.amr, ['pwd']);
    assert.equal((await call('/either', tokens.access_token)).body.kind, 'user');
    assert.equal((await call('/service', tokens.access_token)).status, 401);
    const weak = await call('/me/sensitive', tokens.access_token);
    assert.equal(weak.status, 401);
    assert.equal(weak.body.error, 'insufficient_user_authentication');
    assert.match(weak.challenge ?? '', /error="insufficient_user_authentication"/);
    assert.match(weak.challenge ?? '', /acr_values="phr"/);
    assert.equal((await call('/me', 'not-a-token')).status, 401);
  });

  test('a token for another API, or for userinfo, is refused with invalid_token (RFC 6750 §3.1)', async () => {
    const job = await machine();
    await m.clients().grantResource(job.clientId, { indicator: OTHER_API, scopes: ['billing:read'] });
    const web = await relyingParty(m.lk, await m.lk.createClient({ name: 'Reports web' }));
    const bob = await m.lk.createUser({ email: 'bob@example.com' });
    const ua = userAgentFor(web);
    const { callback, started } = await signIn(ua, web, bob, { scope: 'openid email' });
    const userinfoToken = (await redeem(web, callback, started)).access_token;
    assert.equal((await fetch(`${m.lk.issuer}/me`, { headers: { authorization: `Bearer ${userinfoToken}` } })).status, 200, 'a live userinfo token');

    const foreign: Record<string, string> = {
      'a JWT for another API': String((await token(job, { scope: 'billing:read', resource: OTHER_API })).body.access_token),
      'an opaque token for another API': String((await token(job, { scope: SCOPE, resource: OPAQUE_API })).body.access_token),
      'a userinfo token (no aud)': userinfoToken,
      'a client-credentials token without a resource': String((await token(job, {})).body.access_token),
    };
    for (const [what, value] of Object.entries(foreign)) {
      for (const path of ['/either', '/me', '/service']) {
        const res = await call(path, value);
        assert.equal(res.status, 401, `${what} at ${path}`);
        assert.match(res.challenge ?? '', /^Bearer error="invalid_token"/, `${what} at ${path}`);
        assert.equal(res.body.error, 'invalid_token');
      }
    }
  });

  test("a user's API key: sub is the key, owner the user; the example tells it from a user and from a service", async () => {
    const resources = createResourcesRepo(m.lk.backend.db);
    await resources.setUserDelegable(API, [SCOPE]);
    await resources.setUserDelegable(OPAQUE_API, [SCOPE]);
    const carol = await m.lk.createUser({ email: 'carol@example.com' });
    const apiKeys = createApiKeys(m.lk.backend.db, { clock: () => m.now, policy: { maxDays: 365, perAccount: 20 } });
    const key = await apiKeys.create(carol.id, {
      name: 'Carol’s script',
      grants: [
        { indicator: API, scopes: [SCOPE] },
        { indicator: OPAQUE_API, scopes: [SCOPE] },
      ],
      expiresAt: new Date(m.now.getTime() + 7 * 24 * 3600 * 1000),
    });

    const jwt = String((await token(key, { scope: SCOPE, resource: API })).body.access_token);
    const either = await call('/either', jwt);
    assert.equal(either.status, 200);
    assert.deepEqual(either.body, { kind: 'api_key', sub: key.clientId, user: carol.id, client_id: key.clientId });
    assert.equal((await call('/service', jwt)).status, 401, "a user's key is not a service");
    assert.equal((await call('/me', jwt)).status, 401, "a user's key is not the user's own sign-in");

    const opaque = String((await token(key, { scope: SCOPE, resource: OPAQUE_API })).body.access_token);
    const introspected = await m.introspect(m.introspector, opaque);
    assert.equal(introspected.active, true);
    assert.equal(introspected.sub, key.clientId);
    assert.equal(introspected.owner, carol.id);
    assert.equal((await call('/either', opaque, m.opaqueApi.url)).body.kind, 'api_key', 'the owner comes by introspection too');

    // Disabling the owner stops the key (invalid_client) and its outstanding opaque tokens.
    await createAccountsRepo(m.lk.backend.db).setDisabled(carol.id, new Date());
    assert.equal((await token(key, { scope: SCOPE, resource: API })).body.error, 'invalid_client');
    assert.equal((await m.introspect(m.introspector, opaque)).active, false);
    assert.equal((await call('/either', opaque, m.opaqueApi.url)).status, 401);
    await createAccountsRepo(m.lk.backend.db).setDisabled(carol.id, null);
    assert.equal((await call('/either', opaque, m.opaqueApi.url)).status, 200, 'enabled again');

    // A service token is still a service, and a user's sign-in still a user (the first test).
    const job = await machine();
    const service = String((await token(job, { scope: SCOPE, resource: API })).body.access_token);
    assert.deepEqual((await call('/either', service)).body, { kind: 'service', sub: job.clientId, client_id: job.clientId });
  });
});
