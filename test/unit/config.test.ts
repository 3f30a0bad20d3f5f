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
  assert.deepEqual(config.apiKeys, { maxDays: 365, perAccount: 20 });
  assert.equal(config.dbQueryTimeoutMs, 5000);
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
    [{ LATCHKEY_DB_QUERY_TIMEOUT_MS: '0' }, /LATCHKEY_DB_QUERY_TIMEOUT_MS/],
    [{ DATABASE_URL: 'postgres://localhost/db' }, /LATCHKEY_KEY_ENCRYPTION_KEY/],
    [{ LATCHKEY_KEY_ENCRYPTION_KEY: 'short' }, /LATCHKEY_KEY_ENCRYPTION_KEY/],
    [{ LATCHKEY_WEBAUTHN_ORIGINS: 'https://a.example.com/path' }, /LATCHKEY_WEBAUTHN_ORIGINS/],
    [{ LATCHKEY_LOG_LEVEL: 'loud' }, /LATCHKEY_LOG_LEVEL/],
    [{ LATCHKEY_SMTP_URL: 'http://mail.example.com' }, /LATCHKEY_SMTP_URL: an smtp:\/\/ or smtps:\/\/ URL/],
    [{ LATCHKEY_SMTP_URL: 'smtps://mail.example.com' }, /LATCHKEY_MAIL_FROM: required with LATCHKEY_SMTP_URL/],
    [{ LATCHKEY_MAIL_FROM: 'Latchkey <no-reply@example.com>\r\nBcc: x@example.com' }, /LATCHKEY_MAIL_FROM/],
    [{ LATCHKEY_MAIL_FROM: 'not an address' }, /LATCHKEY_MAIL_FROM/],
    [{ LATCHKEY_MAIL_MAX_ATTEMPTS: '0' }, /LATCHKEY_MAIL_MAX_ATTEMPTS/],
    [{ LATCHKEY_API_KEY_MAX_DAYS: '0' }, /LATCHKEY_API_KEY_MAX_DAYS/],
    [{ LATCHKEY_API_KEYS_PER_ACCOUNT: 'many' }, /LATCHKEY_API_KEYS_PER_ACCOUNT/],
    [{ LATCHKEY_HOST_CHECK_EXEMPT_PATHS: '/healthz,readyz' }, /LATCHKEY_HOST_CHECK_EXEMPT_PATHS/],
    [{ LATCHKEY_HOST_CHECK_EXEMPT_PATHS: '/healthz,/.well-known/openid-configuration' }, /LATCHKEY_HOST_CHECK_EXEMPT_PATHS: discovery and JWKS/],
    [{ LATCHKEY_HOST_CHECK_EXEMPT_PATHS: '/jwks' }, /LATCHKEY_HOST_CHECK_EXEMPT_PATHS/],
    [{ LATCHKEY_TRUST_PROXY: 'true' }, /LATCHKEY_TRUST_PROXY: replaced by LATCHKEY_TRUSTED_PROXIES/],
    [{ LATCHKEY_TRUSTED_PROXIES: '10.0.0.0/33' }, /LATCHKEY_TRUSTED_PROXIES: 10\.0\.0\.0\/33 is not/],
    [{ LATCHKEY_TRUSTED_PROXIES: 'proxy.internal' }, /LATCHKEY_TRUSTED_PROXIES/],
    [{ LATCHKEY_TRUSTED_PROXIES: '0' }, /LATCHKEY_TRUSTED_PROXIES: a hop count/],
    [{ LATCHKEY_TRUSTED_PROXIES: ' , ' }, /LATCHKEY_TRUSTED_PROXIES: empty/],
    [{ LATCHKEY_RATE_LIMIT_IP: '60' }, /LATCHKEY_RATE_LIMIT_IP: POINTS\/SECONDS/],
    [{ LATCHKEY_RATE_LIMIT_ACCOUNT: '0/60' }, /LATCHKEY_RATE_LIMIT_ACCOUNT/],
    [{ LATCHKEY_ARGON2_CONCURRENCY: '0' }, /LATCHKEY_ARGON2_CONCURRENCY/],
    [{ LATCHKEY_ARGON2_QUEUE: '-1' }, /LATCHKEY_ARGON2_QUEUE/],
  ];
  for (const [env, name] of cases) {
    assert.throws(() => parseConfig(env), (err: Error) => err instanceof ConfigError && name.test(err.message), JSON.stringify(env));
  }
});

test('empty strings count as unset; trailing slashes leave the issuer', () => {
  const config = parseConfig({ PORT: '', LATCHKEY_ISSUER: 'https://id.example.com/', LATCHKEY_TRUSTED_PROXIES: 'none' });
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

test('an https issuer needs its proxy trust said explicitly; none, CIDRs and hop counts are accepted', () => {
  assert.throws(
    () => parseConfig({ LATCHKEY_ISSUER: 'https://id.example.com' }),
    (err: Error) => err instanceof ConfigError && /LATCHKEY_TRUSTED_PROXIES: required with an https issuer/.test(err.message),
  );
  assert.equal(parseConfig({}).trustedProxies.kind, 'none', 'an http issuer trusts no proxy by default');
  assert.equal(parseConfig({ LATCHKEY_ISSUER: 'https://id.example.com', LATCHKEY_TRUSTED_PROXIES: 'None' }).trustedProxies.kind, 'none');
  assert.deepEqual(parseConfig({ LATCHKEY_ISSUER: 'https://id.example.com', LATCHKEY_TRUSTED_PROXIES: '2' }).trustedProxies, { kind: 'hops', hops: 2 });
  const list = parseConfig({ LATCHKEY_ISSUER: 'https://id.example.com', LATCHKEY_TRUSTED_PROXIES: '10.0.0.0/8, 2001:db8::/32,127.0.0.1' }).trustedProxies;
  assert.equal(list.kind, 'list');
  assert.equal(list.kind === 'list' && list.ranges.length, 3);
});

test('rate limits and the argon2 bound have defaults and take POINTS/SECONDS', () => {
  const defaults = parseConfig({});
  assert.deepEqual(defaults.rateLimits.ip, { points: 120, seconds: 60 });
  assert.deepEqual(defaults.rateLimits.clientAuthFailures, { points: 30, seconds: 300 });
  assert.ok(defaults.argon2.concurrency >= 1);
  assert.equal(defaults.argon2.queue, 16);
  const set = parseConfig({ LATCHKEY_RATE_LIMIT_GLOBAL: '100/1', LATCHKEY_ARGON2_QUEUE: '0', LATCHKEY_ARGON2_CONCURRENCY: '1' });
  assert.deepEqual(set.rateLimits.global, { points: 100, seconds: 1 });
  assert.deepEqual(set.argon2, { concurrency: 1, queue: 0 });
});
