import assert from 'node:assert/strict';
import { test } from 'node:test';
import { basicAuth } from '../../helpers/client-auth.js';
import { API, OPAQUE_API, SCOPE, machineClientsSuite } from './setup.js';

machineClientsSuite('machine clients: introspection', (m) => {
  const { machine, token, introspect } = m;

  test('introspection: own tokens and registered resource servers only', async () => {
    const a = await machine();
    const b = await machine();
    const t = String((await token(a, { scope: SCOPE, resource: OPAQUE_API })).body.access_token);
    assert.equal((await introspect(a, t)).active, true);
    assert.equal((await introspect(b, t)).active, false);
    assert.equal((await introspect(m.introspector, t)).active, true);
  });

  // The engine only looks for a JWT's header in a token with a dot (Latchkey's patch,
  // patches/README.md): a JWT is still refused, anything else is looked up.
  test('introspection and revocation refuse a JWT access token; a token without a dot is looked up', async () => {
    const a = await machine();
    const jwt = String((await token(a, { scope: SCOPE, resource: API })).body.access_token);
    assert.equal(jwt.split('.').length, 3);
    const post = async (path: string, value: string) => {
      const res = await fetch(`${m.lk.issuer}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(a.clientId, a.clientSecret) },
        body: new URLSearchParams({ token: value }),
      });
      return { status: res.status, body: await res.text() };
    };
    for (const path of ['/token/introspection', '/token/revocation']) {
      const refused = await post(path, jwt);
      assert.equal(refused.status, 400, path);
      assert.equal((JSON.parse(refused.body) as { error: string }).error, 'unsupported_token_type', path);
    }
    const unknown = await post('/token/introspection', 'no-such-token-and-no-dot');
    assert.equal(unknown.status, 200);
    assert.deepEqual(JSON.parse(unknown.body), { active: false });
    assert.equal((await post('/token/revocation', 'no-such-token-and-no-dot')).status, 200);
  });
});
