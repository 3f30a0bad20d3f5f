import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newClient, providerMetadata, SECRET_PLACEHOLDER, validateClientInput, type ClientInput } from '../../src/clients/metadata.js';
import { matchSecret, newSecret, rotation } from '../../src/clients/secrets.js';

const BASE: ClientInput = {
  name: 'App',
  redirectUris: ['https://app.example.com/cb'],
  postLogoutRedirectUris: [],
  grantTypes: ['authorization_code'],
  scope: 'openid reports:read',
  public: false,
  thirdParty: false,
};

test('client input: each rule names what is wrong', () => {
  const cases: Array<[Partial<ClientInput>, string]> = [
    [{ name: '  ' }, 'name must not be empty'],
    [{ grantTypes: [] }, 'at least one grant type is needed'],
    [{ grantTypes: ['password'] }, 'grant type password is not supported (use authorization_code, refresh_token, client_credentials)'],
    [{ redirectUris: [] }, 'authorization_code clients need at least one redirect URI'],
    [{ grantTypes: ['refresh_token', 'client_credentials'], redirectUris: [] }, 'refresh_token goes with authorization_code'],
    [{ public: true, grantTypes: ['client_credentials'], redirectUris: [] }, 'a public client cannot use client_credentials'],
    [{ authMethod: 'secret' as ClientInput['authMethod'] }, 'unknown auth method secret'],
    [{ public: true, authMethod: 'client_secret_basic' }, 'a public client authenticates with none'],
    [{ authMethod: 'private_key_jwt' }, 'private_key_jwt needs a JWKS with the public key'],
    [{ redirectUris: ['/cb'] }, '/cb is not an absolute URL'],
    [{ postLogoutRedirectUris: ['https://app.example.com/#x'] }, 'https://app.example.com/#x must not have a fragment'],
    [{ name: 'Your Latchkey account' }, 'the name Your Latchkey account is reserved for Latchkey itself'],
    [{ name: ' your  LATCHKEY account ' }, 'the name your  LATCHKEY account is reserved for Latchkey itself'],
    [{ name: 'Ｙｏｕｒ Latchkey account' }, 'the name Ｙｏｕｒ Latchkey account is reserved for Latchkey itself'],
    [{ name: 'Your Latchkey\u200d account' }, 'the name Your Latchkey\u200d account is reserved for Latchkey itself'],
  ];
  for (const [change, message] of cases) {
    assert.throws(() => validateClientInput({ ...BASE, ...change }), { code: 'client.invalid', message }, message);
  }
  assert.doesNotThrow(() => validateClientInput(BASE));
});

test('metadata: OIDC scopes go to oidc-provider, every scope to latchkey_scopes; disabled or expired → none', () => {
  const client = newClient(BASE, 'app-1');
  assert.equal(client.metadata.scope, 'openid');
  assert.deepEqual(client.scopes, ['openid', 'reports:read']);
  const now = new Date('2026-01-01T00:00:00Z');
  const row = { scopes: client.scopes, can_introspect: false, metadata: client.metadata, expires_at: null, disabled_at: null };
  assert.equal(providerMetadata(row, now)?.client_secret, SECRET_PLACEHOLDER);
  assert.deepEqual(providerMetadata(row, now)?.latchkey_scopes, ['openid', 'reports:read']);
  assert.equal(providerMetadata({ ...row, disabled_at: now }, now), undefined);
  assert.equal(providerMetadata({ ...row, expires_at: now }, now), undefined);
});

test('secrets: only a live secret matches; rotation times come from the clock', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const a = newSecret();
  const b = newSecret();
  const stored = [
    { id: a.id, hash: a.hash, expiresAt: new Date(now.getTime() + 1000) },
    { id: b.id, hash: b.hash, expiresAt: now },
  ];
  assert.equal(matchSecret(stored, a.value, now), a.id);
  assert.equal(matchSecret(stored, b.value, now), undefined, 'expired');
  assert.equal(matchSecret(stored, `${a.value}x`, now), undefined);
  // A stored row that is not a digest of the usual length (or not ASCII) never matches, nor throws.
  for (const hash of ['', a.hash.slice(1), `${a.hash.slice(1)}é`]) assert.equal(matchSecret([{ id: 'odd', hash, expiresAt: null }], a.value, now), undefined);
  const r = rotation(() => now, 60, 120);
  assert.equal(r.createdAt, now);
  assert.equal(r.overlapUntil.getTime(), now.getTime() + 60_000);
  assert.equal(r.expiresAt?.getTime(), now.getTime() + 120_000);
});
