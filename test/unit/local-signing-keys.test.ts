import assert from 'node:assert/strict';
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { test } from 'node:test';
import { compactVerify, importJWK, type JWK } from 'jose';
import { ExternalSigningKey } from 'oidc-provider';
import { newSigningKey } from '../../src/provider/keys.js';
import { engineSigningKeys } from '../../src/provider/local-signing-keys.js';

const b64u = (text: string) => Buffer.from(text).toString('base64url');

/** A compact JWS made by hand from the key's signature over header.payload, as the engine makes it. */
async function signedBy(key: ExternalSigningKey, alg: string): Promise<string> {
  const input = `${b64u(JSON.stringify({ alg, kid: key.kid }))}.${b64u(JSON.stringify({ sub: 'alice@example.com' }))}`;
  const signature = Buffer.from(await key.sign(Buffer.from(input))).toString('base64url');
  return `${input}.${signature}`;
}

const alg = 'ES256';

test('ES256: signed in the process, verifiable with the public key the engine publishes, no private part exposed', async () => {
  const jwk = newSigningKey(alg);
  const [key] = engineSigningKeys({ keys: [jwk] }).keys;
  assert.ok(key instanceof ExternalSigningKey);
  assert.equal(key.kid, jwk.kid);
  assert.equal(key.alg, alg);
  assert.equal(key.use, 'sig');
  // What the engine copies into /jwks: the public members, equal to the stored key's.
  const published = { kty: key.kty, crv: key.crv, x: key.x, y: key.y, n: key.n, e: key.e };
  const expected = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, n: jwk.n, e: jwk.e };
  assert.deepEqual(published, expected);
  assert.ok(!('d' in (await key.keyObject()).export({ format: 'jwk' })), 'keyObject() is the public half');

  const jws = await signedBy(key, alg);
  const publicJwk = Object.fromEntries(Object.entries(published).filter(([, v]) => v !== undefined)) as JWK;
  const { payload } = await compactVerify(jws, await importJWK(publicJwk, alg));
  assert.equal(JSON.parse(Buffer.from(payload).toString()).sub, 'alice@example.com');
  assert.equal(Buffer.from(jws.split('.')[2]!, 'base64url').length, 64, 'R and S side by side (RFC 7518 §3.4), not DER');

  // A signature by another key of the same kind does not verify.
  const [other] = engineSigningKeys({ keys: [newSigningKey(alg)] }).keys;
  await assert.rejects(compactVerify(await signedBy(other as ExternalSigningKey, alg), await importJWK(publicJwk, alg)));
});

test('keys Latchkey does not sign with in the process (RS256: off the event loop) are handed to the engine as they are', () => {
  const rsa = newSigningKey('RS256');
  const ed = { ...(generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as JsonWebKey), kid: 'ed-1', alg: 'EdDSA' };
  const { d: _private, ...publicOnly } = newSigningKey('ES256');
  const noAlg = { ...newSigningKey('ES256'), alg: undefined };
  const { keys } = engineSigningKeys({ keys: [rsa, ed, publicOnly, noAlg] });
  assert.deepEqual(keys, [rsa, ed, publicOnly, noAlg]);
});
