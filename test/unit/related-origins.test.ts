import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config/config.js';
import { registrableLabel } from '../../src/config/related-origins.js';

const related = (value: string) => parseConfig({ LATCHKEY_WEBAUTHN_RELATED_ORIGINS: value }).webauthn.relatedOrigins;

test('LATCHKEY_WEBAUTHN_RELATED_ORIGINS: unset is none; a list is trimmed, deduplicated and frozen', () => {
  assert.deepEqual(parseConfig({}).webauthn.relatedOrigins, []);
  const origins = related(' https://a.example.com, https://example.de ,https://a.example.com,, http://localhost:4000');
  assert.deepEqual(origins, ['https://a.example.com', 'https://example.de', 'http://localhost:4000']);
  assert.ok(Object.isFrozen(origins));
});

test('the registrable-domain label of WebAuthn L3 §5.11.1', () => {
  assert.equal(registrableLabel('shop.example.co.uk'), 'example');
  assert.equal(registrableLabel('example.com'), 'example');
  assert.equal(registrableLabel('a.b.example.com.au'), 'example');
  assert.equal(registrableLabel('localhost'), undefined);
  assert.equal(registrableLabel('co.uk'), undefined);
});

test('at most five labels: example.com, example.co.uk and example.de are one', () => {
  const five = ['https://example.com', 'https://example.co.uk', 'https://www.example.de', 'https://b.net', 'https://c.org', 'https://d.io', 'https://e.dev'];
  assert.equal(related(five.join(',')).length, 7);
  assert.throws(
    () => related([...five, 'https://f.app'].join(',')),
    (err: Error) => err instanceof ConfigError && /LATCHKEY_WEBAUTHN_RELATED_ORIGINS: origins from 6 registrable domain labels/.test(err.message),
  );
});

test('each entry is an https origin with a host name: the variable is named in the error', () => {
  for (const [value, why] of [
    ['http://example.com', /must be https/],
    ['https://example.com/login', /not an origin/],
    ['https://example.com/', /not an origin/],
    ['https://alice:pw@example.com', /not an origin/],
    ['example.com', /not an origin/],
    ['https://192.0.2.1', /IP address/],
    ['https://[2001:db8::1]', /IP address/],
    ['https://intranet', /no registrable domain/],
  ] as const) {
    assert.throws(
      () => related(value),
      (err: Error) => err instanceof ConfigError && err.message.includes('LATCHKEY_WEBAUTHN_RELATED_ORIGINS') && why.test(err.message),
      value,
    );
  }
});
