import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createDemoRp } from '../../../examples/demo-rp/app.js';
import { isLoginPage, submitPassword } from '../../helpers/rp.js';
import { UserAgent } from '../../helpers/user-agent.js';
import { codeFlowSuite } from './setup.js';

codeFlowSuite('code flow: the demo app returns only to its own paths', (s) => {
  test('returnTo keeps same-origin paths and sends everything else home', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const demoUrl = `http://localhost:${(server.address() as AddressInfo).port}`;
    try {
      const { clientId } = await s.lk.createClient({ name: 'Demo app', redirectUris: [`${demoUrl}/callback`], public: true });
      server.on('request', (await createDemoRp({ issuer: s.lk.issuer, clientId, baseUrl: demoUrl })).callback());
      const issuerOrigin = new URL(s.lk.issuer).origin;
      // Stop at the first address after the demo app's callback: where returnTo leads.
      const ua = new UserAgent((u) => u.origin !== issuerOrigin && u.pathname !== '/login' && u.pathname !== '/callback');
      const landing = async (returnTo: string) => {
        let page = await ua.go(`${demoUrl}/login?returnTo=${encodeURIComponent(returnTo)}`);
        if (isLoginPage(page)) page = await submitPassword(ua, page, s.alice);
        assert.equal(page.status, 0, `sign-in went through for ${returnTo}`);
        return page.url;
      };
      assert.equal(await landing('/sensitive?tab=1'), `${demoUrl}/sensitive?tab=1`);
      for (const evil of ['//evil.example', 'https://evil.example', '/\\evil.example', '/\t/evil.example', '/a/..//evil.example', 'evil.example']) {
        assert.equal(await landing(evil), `${demoUrl}/`, JSON.stringify(evil));
      }
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });
});
