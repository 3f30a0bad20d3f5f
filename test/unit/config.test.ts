import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config/config.js';
import { parseDuration } from '../../src/common/duration.js';

test('defaults give a working embedded setup', () => {
  const config = parseConfig({});
  assert.equal(config.issuer, 'http://localhost:3000');
  assert.equal(config.port, 3000);
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.databaseUrl, undefined);
  assert.equal(config.webauthn.rpId, 'localhost');
  assert.deepEqual(config.webauthn.origins, ['http://localhost:3000']);
  assert.ok(Object.isFrozen(config));
  assert.equal(config.mail.smtpUrl, undefined, 'the local dev mailbox');
  assert.equal(config.mail.from, 'Latchkey <no-reply@localhost>');
});

test('mail over SMTP', () => {
  const config = parseConfig({ LATCHKEY_SMTP_URL: 'smtps://user:pw@mail.example.com:465', LATCHKEY_MAIL_FROM: 'Example ID <id@example.com>' });
  assert.equal(config.mail.smtpUrl, 'smtps://user:pw@mail.example.com:465');
  assert.equal(config.mail.from, 'Example ID <id@example.com>');
});

test('a bad value stops start-up with the variable\'s name', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'abc' }, /PORT/],
    [{ LATCHKEY_ISSUER: 'not a url' }, /LATCHKEY_ISSUER/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
    [{ DATABASE_URL: 'postgres://localhost/db' }, /LATCHKEY_KEY_ENCRYPTION_KEY/],
    [{ LATCHKEY_KEY_ENCRYPTION_KEY: 'short' }, /LATCHKEY_KEY_ENCRYPTION_KEY/],
    [{ LATCHKEY_WEBAUTHN_ORIGINS: 'https://a.example.com/path' }, /LATCHKEY_WEBAUTHN_ORIGINS/],
    [{ LATCHKEY_LOG_LEVEL: 'loud' }, /LATCHKEY_LOG_LEVEL/],
    [{ LATCHKEY_SMTP_URL: 'http://mail.example.com' }, /LATCHKEY_SMTP_URL: an smtp:\/\/ or smtps:\/\/ URL/],
    [{ LATCHKEY_SMTP_URL: 'smtps://mail.example.com' }, /LATCHKEY_MAIL_FROM: required with LATCHKEY_SMTP_URL/],
    [{ LATCHKEY_MAIL_FROM: 'Latchkey <no-reply@example.com>\r\nBcc: x@example.com' }, /LATCHKEY_MAIL_FROM/],
    [{ LATCHKEY_MAIL_FROM: 'not an address' }, /LATCHKEY_MAIL_FROM/],
    [{ LATCHKEY_MAIL_MAX_ATTEMPTS: '0' }, /LATCHKEY_MAIL_MAX_ATTEMPTS/],
    [{ LATCHKEY_HOST_CHECK_EXEMPT_PATHS: '/healthz,readyz' }, /LATCHKEY_HOST_CHECK_EXEMPT_PATHS/],
  ];
  for (const [env, name] of cases) {
    assert.throws(() => parseConfig(env), (err: Error) => err instanceof ConfigError && name.test(err.message), JSON.stringify(env));
  }
});

test('empty strings count as unset; trailing slashes leave the issuer', () => {
  const config = parseConfig({ PORT: '', LATCHKEY_ISSUER: 'https://id.example.com/' });
  assert.equal(config.port, 3000);
  assert.equal(config.issuer, 'https://id.example.com');
  assert.equal(config.webauthn.rpId, 'id.example.com');
});

test('durations', () => {
  assert.equal(parseDuration('90'), 90);
  assert.equal(parseDuration('15m'), 900);
  assert.equal(parseDuration('7d'), 604800);
  assert.throws(() => parseDuration('soon'), /not a duration/);
});

test('the paths answered on any host: the health endpoints unless configured', () => {
  assert.deepEqual(parseConfig({}).hostCheckExemptPaths, ['/healthz', '/readyz']);
  assert.deepEqual(parseConfig({ LATCHKEY_HOST_CHECK_EXEMPT_PATHS: ' /healthz , /lb-probe ' }).hostCheckExemptPaths, ['/healthz', '/lb-probe']);
});
