import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDemoRp } from '../../../examples/demo-rp/app.js';
import { createClientRegistry } from '../../../src/clients/registry.js';
import { passkeysSuite, listen } from './setup.js';

passkeysSuite('the demo app', (s) => {
  const { person, enrol } = s;

  test('the demo app\'s sensitive page sends the user back for a passkey and opens after it', async () => {
    const user = await s.lk.createUser();
    const { context, page } = await person({ backupEligible: true });
    await enrol(page, user);
    const probe = await listen(() => {});
    const demoPort = probe.port; // a free port for the demo app
    await new Promise((r) => probe.server.close(r));
    const demoUrl = `http://localhost:${demoPort}`;
    await createClientRegistry(s.open.db).create({
      name: 'Demo app',
      redirectUris: [`${demoUrl}/callback`],
      postLogoutRedirectUris: [`${demoUrl}/`],
      grantTypes: ['authorization_code'],
      scope: 'openid email profile',
      public: true,
      thirdParty: false,
      clientId: `demo-${demoPort}`,
    });
    const demo = await startDemoRp({ issuer: s.lk.issuer, clientId: `demo-${demoPort}`, baseUrl: demoUrl, port: demoPort });
    try {
      await page.goto(`${demoUrl}/login`);
      await page.waitForURL((u) => u.port === String(demoPort));
      assert.equal(await page.textContent('#acr'), 'pwd', 'the existing password session signs into the demo app');
      await page.click('a[href="/sensitive"]');
      await page.waitForSelector('#passkey-step-up');
      await page.click('#passkey-step-up');
      await page.waitForSelector('#sensitive-ok');
      assert.match((await page.textContent('#sensitive-ok')) ?? '', /acr=phr/);
      await page.goto(`${demoUrl}/`);
      await page.click('#sign-out');
      await page.click('button[name="logout"]');
      await page.waitForSelector('#sign-in');
    } finally {
      demo.close();
      await context.close();
    }
  });
});
