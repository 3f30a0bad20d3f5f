import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import { oidc } from '../../helpers/rp.js';
import { API, OPAQUE_API, SCOPE, machineClientsSuite } from './setup.js';

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

machineClientsSuite('machine clients: DPoP (RFC 9449)', (m) => {
  const { machine, configFor, introspect, call } = m;

  test('DPoP with every advertised algorithm: bound tokens, cnf.jkt in introspection and JWT, refused as bearer by the example API', async () => {
    const job = await machine();
    const config = await configFor(job);
    const algs = config.serverMetadata().dpop_signing_alg_values_supported ?? [];
    assert.ok(algs.length > 0);
    for (const alg of algs) {
      const key = await oidc.randomDPoPKeyPair(alg);
      const jkt = await calculateJwkThumbprint(await exportJWK(key.publicKey));
      const dpop = oidc.getDPoPHandle(config, key);

      const opaque = await oidc.clientCredentialsGrant(config, { scope: SCOPE, resource: OPAQUE_API }, { DPoP: dpop });
      assert.equal(opaque.token_type, 'dpop', alg);
      // RFC 9449 §6.2: introspection tells the resource server which key the token is bound to.
      const info = await introspect(m.introspector, opaque.access_token);
      assert.equal(info.active, true);
      assert.equal(info.token_type, 'DPoP');
      assert.deepEqual(info.cnf, { jkt });
      const refused = await call('/service', opaque.access_token, m.opaqueApi.url);
      assert.equal(refused.status, 401, `${alg}: an introspected DPoP-bound token is not a bearer token`);
      assert.match(refused.challenge ?? '', /error="invalid_token"/);

      const jwt = await oidc.clientCredentialsGrant(config, { scope: SCOPE, resource: API }, { DPoP: dpop });
      assert.deepEqual(claimsOf(jwt.access_token).cnf, { jkt }, 'RFC 9449 §6.1: the JWT names its key');
      assert.equal((await call('/service', jwt.access_token)).status, 401, `${alg}: a DPoP-bound JWT is not a bearer token`);
    }
    // The same client's plain bearer tokens still pass.
    const bearer = await oidc.clientCredentialsGrant(config, { scope: SCOPE, resource: API });
    assert.equal(bearer.token_type, 'bearer');
    assert.equal((await call('/service', bearer.access_token)).status, 200);
  });
});
