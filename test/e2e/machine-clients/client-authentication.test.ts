import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { oidc } from '../../helpers/rp.js';
import { API, SCOPE, machineClientsSuite } from './setup.js';
import { rawRequest } from '../../helpers/raw-request.js';

machineClientsSuite('machine clients: client authentication', (m) => {
  const { machine, configFor, token } = m;

  test('wrong secret → invalid_client; client_secret_post clients', async () => {
    const job = await machine();
    assert.equal((await token({ ...job, clientSecret: `${job.clientSecret}x` })).status, 401);
    assert.equal((await token({ ...job, clientSecret: `${job.clientSecret}x` })).body.error, 'invalid_client');
    const poster = await machine({ authMethod: 'client_secret_post' });
    assert.equal((await token(poster, { scope: SCOPE, resource: API }, 'post')).status, 200);
  });

  test('private_key_jwt: signed assertions, single use', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'job-key-1', alg: 'ES256', use: 'sig' };
    const job = await machine({ authMethod: 'private_key_jwt', jwks: { keys: [jwk] } });
    let assertion = '';
    const config = await configFor(job, oidc.PrivateKeyJwt({ key: privateKey, kid: 'job-key-1' }));
    const fetched: string[] = [];
    config[oidc.customFetch] = async (url, init) => {
      const body = new URLSearchParams(String(init.body));
      if (body.get('client_assertion')) fetched.push((assertion = body.get('client_assertion')!));
      return fetch(url, init as RequestInit);
    };
    const tokens = await oidc.clientCredentialsGrant(config, { scope: SCOPE, resource: API });
    assert.ok(tokens.access_token);
    assert.equal(fetched.length, 1);
    const replay = await fetch(`${m.lk.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: job.clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }),
    });
    assert.equal(replay.status, 401);
    assert.equal(((await replay.json()) as { error: string }).error, 'invalid_client');
  });

  test('private_key_jwt with every advertised signing algorithm', async () => {
    const algs = (await configFor(await machine())).serverMetadata().token_endpoint_auth_signing_alg_values_supported ?? [];
    assert.ok(algs.length > 0);
    for (const alg of algs) {
      const { publicKey, privateKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
      const jwk = { ...(await exportJWK(publicKey)), kid: `key-${alg}`, alg, use: 'sig' };
      const job = await machine({ authMethod: 'private_key_jwt', jwks: { keys: [jwk] } });
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg, kid: jwk.kid })
        .setIssuer(job.clientId)
        .setSubject(job.clientId)
        .setAudience(m.lk.issuer)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(privateKey);
      const res = await fetch(`${m.lk.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope: SCOPE,
          resource: API,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
        }),
      });
      assert.equal(res.status, 200, `${alg}: ${await res.clone().text()}`);
    }
  });

  test('private_key_jwt: an assertion for another host\'s token endpoint is refused, whatever Host the request names', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'job-key-2', alg: 'ES256', use: 'sig' };
    const job = await machine({ authMethod: 'private_key_jwt', jwks: { keys: [jwk] } });
    const assertion = (aud: string) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: 'job-key-2' })
        .setIssuer(job.clientId)
        .setSubject(job.clientId)
        .setAudience(aud)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(privateKey);
    const body = async (aud: string) =>
      new URLSearchParams({
        grant_type: 'client_credentials',
        scope: SCOPE,
        resource: API,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await assertion(aud),
      }).toString();
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const tokenUrl = `${m.lk.issuer}/token`;
    const elsewhere = 'http://evil.example/token';
    // The engine accepts the token endpoint's URL as built from the request: a request
    // naming another host must not make that host's endpoint an accepted audience.
    for (const init of [{ headers: { ...form, host: 'evil.example' } }, { headers: form, target: elsewhere }]) {
      const reply = await rawRequest(tokenUrl, { method: 'POST', ...init, body: await body(elsewhere) });
      assert.equal(reply.status, 421, JSON.stringify(init));
      assert.doesNotMatch(reply.text, /access_token/);
    }
    const onIssuer = await rawRequest(tokenUrl, { method: 'POST', headers: form, body: await body(elsewhere) });
    assert.equal(onIssuer.status, 401);
    assert.equal((JSON.parse(onIssuer.text) as { error: string }).error, 'invalid_client');
    const good = await rawRequest(tokenUrl, { method: 'POST', headers: form, body: await body(tokenUrl) });
    assert.equal(good.status, 200, 'the issuer\'s own token endpoint is the audience');
  });
});
