import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPAQUE_API, SCOPE, machineClientsSuite } from './setup.js';

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
});
