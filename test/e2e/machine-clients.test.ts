import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { backends, type OpenBackend } from '../helpers/backends.js';
import { startLatchkey, type TestLatchkey } from '../helpers/latchkey.js';
import { oidc, redeem, relyingParty, signIn, userAgentFor } from '../helpers/rp.js';
import type { ClientInput } from '../../src/clients/metadata.js';
import { createClientRegistry } from '../../src/clients/registry.js';
import { createResourcesRepo } from '../../src/clients/resources-repo.js';
import { createResourceServer } from '../../examples/resource-server/app.js';

const API = 'https://api.example.com/reports';
const SCOPE = 'reports:read';
const OPAQUE_API = 'https://api.example.com/opaque';

for (const backend of backends()) {
  describe(`machine clients, resources and the example resource server (${backend.name})`, () => {
    let open: OpenBackend;
    let lk: TestLatchkey;
    let now = new Date('2026-11-24T10:00:00Z');
    let api: { server: Server; url: string };
    let opaqueApi: { server: Server; url: string };
    let introspector: { clientId: string; clientSecret: string };
    const clients = () => createClientRegistry(open.db, { clock: () => now });

    async function machine(extra: Partial<ClientInput> = {}) {
      const created = await clients().create({
        name: 'Nightly reports job',
        redirectUris: [],
        postLogoutRedirectUris: [],
        grantTypes: ['client_credentials'],
        scope: SCOPE,
        public: false,
        thirdParty: false,
        ...extra,
      });
      return { clientId: created.clientId, clientSecret: created.clientSecret!, secretId: created.secretId! };
    }

    async function configFor(c: { clientId: string; clientSecret?: string }, auth?: oidc.ClientAuth) {
      return oidc.discovery(new URL(lk.issuer), c.clientId, undefined, auth ?? oidc.ClientSecretBasic(c.clientSecret!), { execute: [oidc.allowInsecureRequests] });
    }

    async function token(c: { clientId: string; clientSecret: string }, params: Record<string, string> = {}, method: 'basic' | 'post' = 'basic') {
      const body = new URLSearchParams({ grant_type: 'client_credentials', ...params });
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      if (method === 'basic') headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret)}`).toString('base64')}`;
      else body.set('client_id', c.clientId), body.set('client_secret', c.clientSecret);
      const res = await fetch(`${lk.issuer}/token`, { method: 'POST', headers, body });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    }

    async function introspect(as: { clientId: string; clientSecret: string }, value: string) {
      const res = await fetch(`${lk.issuer}/token/introspection`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(as.clientId)}:${encodeURIComponent(as.clientSecret)}`).toString('base64')}`,
        },
        body: new URLSearchParams({ token: value }),
      });
      return (await res.json()) as Record<string, unknown>;
    }

    async function call(path: string, accessToken: string, base = api.url) {
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${accessToken}` } });
      return { status: res.status, challenge: res.headers.get('www-authenticate'), body: (await res.json()) as Record<string, unknown> };
    }

    before(async () => {
      open = await backend.open();
      lk = await startLatchkey(open, {}, { clock: () => now });
      await createResourcesRepo(open.db).create({ indicator: API, name: 'Reports API', scopes: ['reports:read', 'reports:write'] });
      await createResourcesRepo(open.db).create({ indicator: OPAQUE_API, scopes: [SCOPE], tokenFormat: 'opaque' });
      introspector = await machine({ name: 'Reports API', canIntrospect: true, scope: '' });
      const serve = async (audience: string) => {
        const server = createServer(createResourceServer({ issuer: lk.issuer, audience, introspection: introspector, serviceScope: SCOPE }).callback());
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
      };
      api = await serve(API);
      opaqueApi = await serve(OPAQUE_API);
    });
    after(async () => {
      api?.server.close();
      opaqueApi?.server.close();
      await lk?.close();
      await open?.close();
    });

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
      const userinfo = await fetch(`${lk.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
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
      const { payload, protectedHeader } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${lk.issuer}/jwks`)), {
        issuer: lk.issuer,
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

    test('wrong secret → invalid_client; client_secret_post clients', async () => {
      const job = await machine();
      assert.equal((await token({ ...job, clientSecret: `${job.clientSecret}x` })).status, 401);
      assert.equal((await token({ ...job, clientSecret: `${job.clientSecret}x` })).body.error, 'invalid_client');
      const poster = await machine({ authMethod: 'client_secret_post' });
      assert.equal((await token(poster, { scope: SCOPE, resource: API }, 'post')).status, 200);
    });

    test('rotation: the old secret works inside the overlap and fails after it (test clock)', async () => {
      const job = await machine();
      const rotated = await clients().rotateSecret(job.clientId, 3600);
      assert.equal((await token(job, { scope: SCOPE, resource: API })).status, 200, 'old secret inside the window');
      assert.equal((await token({ ...job, clientSecret: rotated.clientSecret }, { scope: SCOPE, resource: API })).status, 200, 'new secret');
      now = new Date(now.getTime() + 3601 * 1000);
      assert.equal((await token(job, { scope: SCOPE, resource: API })).body.error, 'invalid_client', 'old secret after the window');
      assert.equal((await token({ ...job, clientSecret: rotated.clientSecret }, { scope: SCOPE, resource: API })).status, 200);
      await clients().revokeSecret(job.clientId, rotated.secretId);
      assert.equal((await token({ ...job, clientSecret: rotated.clientSecret }, { scope: SCOPE, resource: API })).body.error, 'invalid_client', 'revoked');
    });

    test('a secret with its own expiry stops working at that time', async () => {
      const job = await machine({ secretExpiresAt: new Date(now.getTime() + 600_000) });
      assert.equal((await token(job, { scope: SCOPE, resource: API })).status, 200);
      now = new Date(now.getTime() + 601_000);
      assert.equal((await token(job, { scope: SCOPE, resource: API })).body.error, 'invalid_client');
    });

    test('expired and disabled clients get invalid_client; their tokens stop introspecting as active', async () => {
      const expiring = await machine({ expiresAt: new Date(now.getTime() + 60_000) });
      const issued = await token(expiring, { scope: SCOPE, resource: API });
      assert.equal(issued.status, 200);
      now = new Date(now.getTime() + 61_000);
      assert.equal((await token(expiring, { scope: SCOPE, resource: API })).body.error, 'invalid_client');

      const job = await machine();
      // JWT access tokens are checked by signature, not introspected; opaque ones are.
      const live = await token(job, { scope: SCOPE, resource: OPAQUE_API });
      assert.equal((await introspect(introspector, String(live.body.access_token))).active, true);
      await clients().disable(job.clientId);
      assert.equal((await token(job, { scope: SCOPE, resource: API })).body.error, 'invalid_client');
      assert.equal((await introspect(introspector, String(live.body.access_token))).active, false);
    });

    test('last use is recorded per secret, in batches, never the secret itself', async () => {
      const job = await machine();
      assert.equal((await clients().show(job.clientId))!.secrets[0]!.lastUsedAt, null);
      await token(job, { scope: SCOPE, resource: API });
      await lk.flush();
      const shown = await clients().show(job.clientId);
      assert.equal(shown!.secrets[0]!.lastUsedAt?.getTime(), now.getTime());
      assert.ok(!JSON.stringify(shown).includes(job.clientSecret));
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
      const replay = await fetch(`${lk.issuer}/token`, {
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

    test('introspection: own tokens and registered resource servers only', async () => {
      const a = await machine();
      const b = await machine();
      const t = String((await token(a, { scope: SCOPE, resource: OPAQUE_API })).body.access_token);
      assert.equal((await introspect(a, t)).active, true);
      assert.equal((await introspect(b, t)).active, false);
      assert.equal((await introspect(introspector, t)).active, true);
    });

    test('the example resource server: user route, service route, either, and the RFC 9470 challenge', async () => {
      const job = await machine();
      const service = String((await token(job, { scope: SCOPE, resource: API })).body.access_token);
      assert.equal((await call('/service', service)).status, 200);
      assert.equal((await call('/either', service)).body.kind, 'service');
      assert.equal((await call('/me', service)).status, 401);
      const opaqueService = String((await token(job, { scope: SCOPE, resource: OPAQUE_API })).body.access_token);
      assert.equal((await call('/service', opaqueService, opaqueApi.url)).status, 200, 'opaque tokens by introspection');
      assert.equal((await call('/service', opaqueService)).status, 401, 'a token for another API is refused');

      // A user token for the API: sign in with a password, ask for the API's scope.
      const web = await relyingParty(lk, await lk.createClient({ name: 'Reports web', scope: `openid email ${SCOPE}` }));
      const alice = await lk.createUser({ email: 'alice@example.com' });
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
  });
}

describe('dynamic client registration (RFC 7591)', () => {
  const backend = backends()[0]!;
  const INITIAL = 'iat-0123456789abcdef0123456789abcdef';
  let open: OpenBackend;
  let lk: TestLatchkey;
  let plain: TestLatchkey;

  before(async () => {
    open = await backend.open();
    lk = await startLatchkey(open, { LATCHKEY_INITIAL_ACCESS_TOKEN: INITIAL });
    plain = await startLatchkey(open);
  });
  after(async () => {
    await lk?.close();
    await plain?.close();
    await open?.close();
  });

  const register = (issuer: string, body: unknown, bearer?: string) =>
    fetch(`${issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: JSON.stringify(body),
    });

  test('off by default; with an initial access token a client registers, and its secret is stored hashed', async () => {
    const metadata = { client_name: 'Partner sync', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], token_endpoint_auth_method: 'client_secret_basic' };
    assert.equal((await register(plain.issuer, metadata, INITIAL)).status, 404);
    assert.equal((await register(lk.issuer, metadata)).status, 401);
    assert.equal((await register(lk.issuer, metadata, 'wrong-token-0123456789abcdef0123456789')).status, 401);
    const refused = await register(lk.issuer, { ...metadata, latchkey_scopes: ['reports:write'] }, INITIAL);
    assert.equal(refused.status, 400, 'Latchkey-only metadata cannot be self-registered');

    const res = await register(lk.issuer, metadata, INITIAL);
    assert.equal(res.status, 201);
    const client = (await res.json()) as { client_id: string; client_secret: string };
    assert.ok(client.client_secret.length >= 43);
    const { rows } = await open.db.query<{ secret_hash: string }>('SELECT secret_hash FROM client_secrets WHERE client_id = $1', [client.client_id]);
    assert.equal(rows.length, 1);
    assert.notEqual(rows[0]!.secret_hash, client.client_secret);
    const dump = JSON.stringify((await open.db.query('SELECT * FROM clients WHERE client_id = $1', [client.client_id])).rows);
    assert.ok(!dump.includes(client.client_secret), 'the secret is nowhere in the clients table');

    const tokenRes = await fetch(`${lk.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    assert.equal(tokenRes.status, 200);
  });
});
