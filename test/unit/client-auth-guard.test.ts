import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import Provider from 'oidc-provider';
import { clientAuthLimits } from '../../src/http/client-auth-limits.js';
import type { FailureLimiter } from '../../src/storage/ephemeral-store.js';

// The client-authentication guard on the engine itself: whatever the failure budget's
// store answers, a token request is refused unless the answer is a clear "not blocked",
// and it is refused before the secret is looked at.
const SECRET = 'a-secret-of-the-machine-client-0123456789';
let check: FailureLimiter['check'];
let secretsCompared = 0;
let server: Server;
let tokenUrl: string;

before(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [{ client_id: 'reports-job', client_secret: SECRET, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] }],
    features: { clientCredentials: { enabled: true } },
  });
  const compare = provider.Client.prototype.compareClientSecret;
  provider.Client.prototype.compareClientSecret = function counted(this: InstanceType<typeof provider.Client>, actual: string) {
    secretsCompared += 1;
    return compare.call(this, actual);
  };
  const failures: FailureLimiter = {
    check: (key) => check(key),
    fail: async () => ({ failures: 1, blockedFor: 0, overLimit: false }),
    reset: async () => {},
  };
  clientAuthLimits(provider, failures);
  server.on('request', provider.callback());
  tokenUrl = `${issuer}/token`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function token(): Promise<{ status: number; error?: string; retryAfter: string | null }> {
  const res = await fetch(tokenUrl, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`reports-job:${SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const body = (await res.json()) as { error?: string };
  return { status: res.status, error: body.error, retryAfter: res.headers.get('retry-after') };
}

test('not blocked: the secret is checked and the token issued', async () => {
  check = async () => ({ blockedFor: 0, failures: false });
  secretsCompared = 0;
  assert.equal((await token()).status, 200);
  assert.equal(secretsCompared, 1);
});

test('blocked: 429 with Retry-After, and the secret never looked at', async () => {
  check = async () => ({ blockedFor: 7, failures: true });
  secretsCompared = 0;
  assert.deepEqual(await token(), { status: 429, error: 'temporarily_unavailable', retryAfter: '7' });
  assert.equal(secretsCompared, 0);
});

test('a budget that cannot be read refuses with 503, however it fails', async () => {
  const failing: Array<[string, FailureLimiter['check']]> = [
    ['rejects', async () => Promise.reject(new Error('store gone'))],
    ['throws before answering', () => {
      throw new Error('store gone');
    }],
    ['answers nothing', async () => undefined as unknown as Awaited<ReturnType<FailureLimiter['check']>>],
  ];
  for (const [how, fails] of failing) {
    check = fails;
    secretsCompared = 0;
    assert.deepEqual(await token(), { status: 503, error: 'temporarily_unavailable', retryAfter: '60' }, how);
    assert.equal(secretsCompared, 0, how);
  }
});
