import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backends, type OpenBackend } from '../../helpers/backends.js';
import { basicAuth } from '../../helpers/client-auth.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { redeem, relyingParty, startAuthorization, submitPassword, userAgentFor } from '../../helpers/rp.js';
import { createResourcesRepo } from '../../../src/clients/resources-repo.js';

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
    const owned = await register(lk.issuer, { ...metadata, latchkey_owner: 'some-account' }, INITIAL);
    assert.equal(owned.status, 400, "a registration cannot pass itself off as a user's API key");

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
        authorization: basicAuth(client.client_id, client.client_secret),
      },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    assert.equal(tokenRes.status, 200);
  });

  test('a registered client starts with no resources, cannot take Latchkey\'s own name, and always asks for consent', async () => {
    const API = 'https://api.example.com/registered';
    await createResourcesRepo(open.db).create({ indicator: API, scopes: ['reports:read'] });
    const machine = { client_name: 'Partner sync', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], token_endpoint_auth_method: 'client_secret_basic' };
    const sync = (await (await register(lk.issuer, machine, INITIAL)).json()) as { client_id: string; client_secret: string };
    const tokenRes = await fetch(`${lk.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(sync.client_id, sync.client_secret) },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'reports:read', resource: API }),
    });
    assert.equal(((await tokenRes.json()) as { error: string }).error, 'invalid_target');

    for (const name of ['Your Latchkey account', '  your latchkey ACCOUNT ', 'Ｙｏｕｒ Ｌａｔｃｈｋｅｙ ａｃｃｏｕｎｔ', 'Your Latchkey\u200b account', 'latchkey']) {
      const res = await register(lk.issuer, { ...machine, client_name: name }, INITIAL);
      assert.equal(res.status, 400, JSON.stringify(name));
      assert.equal(((await res.json()) as { error: string }).error, 'invalid_client_metadata');
    }

    const web = { client_name: 'Partner web', redirect_uris: ['https://app.example.com/cb'], token_endpoint_auth_method: 'client_secret_basic' };
    const registered = (await (await register(lk.issuer, web, INITIAL)).json()) as { client_id: string; client_secret: string };
    const rp = await relyingParty(lk, { clientId: registered.client_id, clientSecret: registered.client_secret, redirectUri: web.redirect_uris[0]! });
    const ua = userAgentFor(rp);
    const alice = await lk.createUser({ email: 'alice@example.com' });
    const consent = await submitPassword(ua, await ua.go((await startAuthorization(rp)).url.toString()), alice);
    assert.equal(consent.status, 200);
    assert.match(consent.html, /Allow access\?/);
    assert.match(consent.html, /Partner web/);
    assert.match(consent.html, /sent to <strong>app\.example\.com<\/strong>/);
  });

  test('a registered web app asks for RS256 ID tokens and gets them, after consent', async () => {
    const redirectUri = 'http://localhost:8094/cb';
    const res = await register(
      lk.issuer,
      { client_name: 'Legacy portal', redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'], scope: 'openid email profile', id_token_signed_response_alg: 'RS256' },
      INITIAL,
    );
    assert.equal(res.status, 201);
    const client = (await res.json()) as { client_id: string; client_secret: string };
    const rp = await relyingParty(lk, { clientId: client.client_id, clientSecret: client.client_secret, redirectUri });
    const user = await lk.createUser();
    const ua = userAgentFor(rp);
    const started = await startAuthorization(rp);
    const consent = await submitPassword(ua, await ua.go(started.url.toString()), user);
    assert.match(consent.html, /Legacy portal/);
    const tokens = await redeem(rp, new URL((await ua.submit(consent, '/consent')).url), started);
    assert.equal(JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString()).alg, 'RS256');
    assert.equal(tokens.claims()!.sub, user.id);
  });
});
