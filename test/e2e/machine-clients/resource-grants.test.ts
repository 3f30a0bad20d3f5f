import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJwt } from 'jose';
import { redeem, relyingParty, signIn, startAuthorization, tokenEndpoint, userAgentFor } from '../../helpers/rp.js';
import { API, OPAQUE_API, OTHER_API, SCOPE, machineClientsSuite } from './setup.js';

machineClientsSuite('machine clients: per-client resource grants', (m) => {
  const { machine, token } = m;

  test('client credentials: an unknown or ungranted resource → invalid_target; an ungranted or missing scope → invalid_scope', async () => {
    const job = await machine();
    assert.equal((await token(job, { scope: 'billing:read', resource: OTHER_API })).body.error, 'invalid_target', 'registered, not granted');
    assert.equal((await token(job, { scope: SCOPE, resource: 'https://unknown.example.com/' })).body.error, 'invalid_target');
    // Granted reports:read only: reports:write exists on the API but is not this client's.
    const ungranted = await token(job, { scope: `${SCOPE} reports:write`, resource: API });
    assert.equal(ungranted.status, 400);
    assert.equal(ungranted.body.error, 'invalid_scope');
    // A token for an API always carries one of its scopes (RFC 6749 §3.3: refuse rather than issue an empty one).
    assert.equal((await token(job, { resource: API })).body.error, 'invalid_scope');

    const none = await machine({ resources: [] });
    assert.equal((await token(none, { scope: SCOPE, resource: API })).body.error, 'invalid_target', 'a client starts with no resources');
  });

  test('grant-resource and revoke-resource change what the client gets, on the next request', async () => {
    const job = await machine();
    await m.clients().grantResource(job.clientId, { indicator: OTHER_API, scopes: ['billing:read'] });
    const billing = await token(job, { scope: 'billing:read', resource: OTHER_API });
    assert.equal(billing.status, 200, JSON.stringify(billing.body));
    assert.equal(decodeJwt(String(billing.body.access_token)).aud, OTHER_API);
    assert.equal(billing.body.scope, 'billing:read');

    await m.clients().grantResource(job.clientId, { indicator: API, scopes: ['reports:read', 'reports:write'] });
    assert.equal((await token(job, { scope: 'reports:write', resource: API })).body.scope, 'reports:write');
    assert.equal(await m.clients().revokeResource(job.clientId, API), true);
    assert.equal((await token(job, { scope: SCOPE, resource: API })).body.error, 'invalid_target');
    assert.equal((await token(job, { scope: SCOPE, resource: OPAQUE_API })).status, 200, 'other grants stay');

    await assert.rejects(m.clients().grantResource(job.clientId, { indicator: API, scopes: ['reports:delete'] }), /reports:delete is not a scope of/);
    await assert.rejects(m.clients().grantResource(job.clientId, { indicator: 'https://unknown.example.com/', scopes: ['x'] }), /no resource/);
    await assert.rejects(m.clients().create({ name: 'Flat', redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'], scope: SCOPE, public: false, thirdParty: false }), /reports:read is not an OpenID scope/);
  });

  test('authorization code: API scopes only on granted resources, only the granted ones, never an API token without one', async () => {
    const web = await relyingParty(m.lk, await m.lk.createClient({ name: 'Reports web', resources: [{ indicator: API, scopes: [SCOPE] }] }));
    const alice = await m.lk.createUser({ email: 'alice@example.com' });
    const ua = userAgentFor(web);

    const { callback, started } = await signIn(ua, web, alice, { scope: `openid ${SCOPE} reports:write`, resource: API });
    const tokens = await redeem(web, callback, started);
    const claims = decodeJwt(tokens.access_token);
    assert.equal(claims.aud, API);
    assert.equal(claims.scope, SCOPE, 'reports:write is not granted to this client, so not in the token');

    const other = await ua.go((await startAuthorization(web, { scope: 'openid billing:read', resource: OTHER_API })).url.toString());
    assert.equal(new URL(other.url).searchParams.get('error'), 'invalid_target', 'a resource not granted to the client');

    // A resource asked for with no scope of it: the code is issued, an API token is not.
    const bare = await signIn(ua, web, alice, { scope: 'openid', resource: API });
    const refused = await tokenEndpoint(
      m.lk,
      { grant_type: 'authorization_code', code: bare.callback.searchParams.get('code')!, redirect_uri: web.redirectUri, code_verifier: bare.started.verifier },
      { id: web.clientId, secret: web.clientSecret! },
    );
    assert.equal(refused.body.error, 'invalid_scope');
  });
});
