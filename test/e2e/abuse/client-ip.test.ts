import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { startLatchkey } from '../../helpers/latchkey.js';
import { rawRequest } from '../../helpers/raw-request.js';
import { isEnrolOffer, relyingParty, startAuthorization } from '../../helpers/rp.js';
import { abuseSuite, userAgentWith } from './setup.js';

// Three failed sign-ins per client address, then that address is throttled (password-login.ts).
const ENV = { LATCHKEY_IP_FAILURE_LIMIT: '3' };
const randomIp = () => `198.18.${randomBytes(1)[0]}.${randomBytes(1)[0]! % 254 + 1}`;

abuseSuite('abuse: the client address', ENV, (s) => {
  test('from an untrusted peer a rotated X-Forwarded-For resets nothing: the socket address keeps counting', async () => {
    const ua = userAgentWith(s.rp, () => ({ 'x-forwarded-for': randomIp(), 'x-real-ip': randomIp(), forwarded: `for=${randomIp()}` }));
    const page = await ua.go((await startAuthorization(s.rp)).url.toString());
    const statuses: number[] = [];
    // Other emails each time: the count that matters is the address's, not an account's.
    for (let i = 0; i < 4; i += 1) {
      statuses.push((await ua.submit(page, '/password', { email: `nobody${i}@example.com`, password: `wrong password ${i}` })).status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 429]);
    const owner = await ua.submit(page, '/password', { email: s.alice.email, password: s.alice.password });
    assert.equal(owner.status, 429, 'the right password from the throttled address is refused too');
    assert.match(owner.html, /Too many failed sign-ins from your network/);
    assert.ok(Number(owner.headers.get('retry-after')) > 0);
  });

  test('behind a trusted proxy the right-most untrusted address counts, and spoofed left-most entries do not help', async () => {
    const proxied = await startLatchkey(s.open, { ...ENV, LATCHKEY_TRUSTED_PROXIES: '127.0.0.1' });
    try {
      const rp = await relyingParty(proxied, await proxied.createClient({ name: 'Behind a proxy' }));
      const user = await proxied.createUser();
      const attacker = '203.0.113.66';
      // The attacker forges left-most entries; the proxy appends the address it saw.
      const ua = userAgentWith(rp, () => ({ 'x-forwarded-for': `${randomIp()}, ${randomIp()}, ${attacker}` }));
      const page = await ua.go((await startAuthorization(rp)).url.toString());
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1) {
        statuses.push((await ua.submit(page, '/password', { email: `nobody${i}@example.com`, password: `wrong password ${i}` })).status);
      }
      assert.deepEqual(statuses, [401, 401, 401, 429], 'the attacker\'s address is throttled, however the left side rotates');

      // Another client behind the same proxy is not: the proxy's own address is not what counts.
      const neighbour = userAgentWith(rp, () => ({ 'x-forwarded-for': '203.0.113.77' }));
      const fresh = await neighbour.go((await startAuthorization(rp)).url.toString());
      const signedIn = await neighbour.submit(fresh, '/password', { email: user.email, password: user.password });
      assert.ok(isEnrolOffer(signedIn) || signedIn.status === 0, `the neighbour signs in (${signedIn.status})`);

      // A proxy address in the chain is skipped; the address before it counts.
      const chained = userAgentWith(rp, () => ({ 'x-forwarded-for': `${attacker}, 127.0.0.1` }));
      const again = await chained.go((await startAuthorization(rp)).url.toString());
      assert.equal((await chained.submit(again, '/password', { email: user.email, password: user.password })).status, 429);
    } finally {
      await proxied.close();
    }
  });

  test('with an https issuer behind a TLS proxy every cookie is Secure, even over the proxy\'s plain HTTP', async () => {
    const lk = await startLatchkey(s.open, { LATCHKEY_ISSUER: 'https://id.example.com', LATCHKEY_TRUSTED_PROXIES: '127.0.0.1' });
    try {
      const client = await lk.createClient({ name: 'TLS app' });
      const params = new URLSearchParams({
        client_id: client.clientId,
        response_type: 'code',
        scope: 'openid',
        redirect_uri: client.redirectUri,
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      });
      // lk.issuer is where the test reaches it; its configured issuer is the public https one.
      const base = lk.issuer;
      for (const proto of [{ 'x-forwarded-proto': 'https' }, {}] as Record<string, string>[]) {
        const headers: Record<string, string> = { host: 'internal:8080', 'x-forwarded-host': 'id.example.com', ...proto };
        const auth = await rawRequest(`${base}/auth?${params}`, { headers });
        assert.equal(auth.status, 303, JSON.stringify(proto));
        const location = String(auth.headers.location);
        assert.ok(location.startsWith('https://id.example.com/interaction/'), location);
        const cookies = auth.headers['set-cookie'] ?? [];
        assert.ok(cookies.length > 0);
        for (const cookie of cookies) assert.match(cookie, /;\s*secure/i, cookie);
        const page = await rawRequest(`${base}${new URL(location).pathname}`, {
          headers: { ...headers, cookie: cookies.map((c) => c.split(';')[0]).join('; ') },
        });
        assert.equal(page.status, 200);
        const own = (page.headers['set-cookie'] ?? []).filter((c) => /^(__Host-)?latchkey\.csrf/.test(c));
        assert.ok(own.length > 0, 'Latchkey\'s own CSRF cookie');
        for (const cookie of own) assert.match(cookie, /;\s*secure/i, cookie);
      }
      // The same forwarded host from an untrusted peer is not believed.
      const direct = await startLatchkey(s.open, { LATCHKEY_ISSUER: 'https://id.example.com', LATCHKEY_TRUSTED_PROXIES: '10.0.0.0/8' });
      try {
        const res = await rawRequest(`${direct.issuer}/.well-known/openid-configuration`, {
          headers: { host: 'internal:8080', 'x-forwarded-host': 'id.example.com' },
        });
        assert.equal(res.status, 421);
      } finally {
        await direct.close();
      }
    } finally {
      await lk.close();
    }
  });
});
