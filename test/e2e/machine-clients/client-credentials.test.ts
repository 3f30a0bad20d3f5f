import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { oidc } from '../../helpers/rp.js';
import { API, OPAQUE_API, SCOPE, machineClientsSuite } from './setup.js';

machineClientsSuite('machine clients: client credentials grant', (m) => {
  const { machine, configFor, token, introspect } = m;

  test('client credentials: an opaque token with the allowed scope, no ID or refresh token', async () => {
    const job = await machine();
    // API scopes come with their resource (RFC 8707); this one issues opaque tokens.
    const tokens = await oidc.clientCredentialsGrant(await configFor(job), { scope: SCOPE, resource: OPAQUE_API });
    assert.equal(tokens.scope, SCOPE);
    assert.equal(tokens.id_token, undefined);
    assert.equal(tokens.refresh_token, undefined);
    assert.equal(tokens.access_token.split('.').length, 1, 'opaque without a resource');
    const info = await introspect(job, tokens.access_token);
    assert.equal(info.active, true);
    assert.equal(info.client_id, job.clientId);
    assert.equal(info.scope, SCOPE);
    const userinfo = await fetch(`${m.lk.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(userinfo.status, 401, 'userinfo refuses tokens without a user');
  });

  test('a scope the client is not allowed → invalid_scope', async () => {
    const job = await machine();
    const attempts: Array<Record<string, string>> = [{ scope: 'reports:write' }, { scope: 'reports:write', resource: API }, { scope: 'openid' }];
    for (const params of attempts) {
      const res = await token(job, params);
      assert.equal(res.status, 400, JSON.stringify(params));
      assert.equal(res.body.error, 'invalid_scope');
    }
  });

  test('resource= gives an RFC 9068 JWT: at+jwt, ES256, iss, aud, client_id, scope, jti, exp', async () => {
    const job = await machine();
    const tokens = await oidc.clientCredentialsGrant(await configFor(job), { scope: SCOPE, resource: API });
    assert.equal(decodeProtectedHeader(tokens.access_token).typ, 'at+jwt');
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${m.lk.issuer}/jwks`)), {
      issuer: m.lk.issuer,
      audience: API,
      typ: 'at+jwt',
    });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(payload.client_id, job.clientId);
    assert.equal(payload.sub, job.clientId);
    assert.equal(payload.scope, SCOPE);
    assert.ok(payload.jti && payload.exp && payload.iat);
    const opaque = await token(job, { scope: SCOPE, resource: OPAQUE_API });
    assert.equal(String(opaque.body.access_token).split('.').length, 1, 'a resource may ask for opaque tokens');
    const unknown = await token(job, { scope: SCOPE, resource: 'https://unknown.example.com/' });
    assert.equal(unknown.body.error, 'invalid_target');
  });
});
