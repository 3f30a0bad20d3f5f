import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJwt } from 'jose';
import { submitPassword, redeem, relyingParty, startAuthorization, userAgentFor } from '../../helpers/rp.js';
import type { Page } from '../../helpers/user-agent.js';
import { createResourcesRepo } from '../../../src/clients/resources-repo.js';
import { codeFlowSuite } from './setup.js';

/** The scopes a consent page lists, one per item the person reads. */
function listedScopes(page: Page): string[] {
  return [...page.html.matchAll(/<li data-scope="([^"]+)"/g)].map((m) => m[1]!);
}

codeFlowSuite('code flow: consent', (s) => {
  test('third-party clients ask for consent; first-party clients do not', async () => {
    const third = await relyingParty(s.lk, await s.lk.createClient({ name: 'Partner App', thirdParty: true }));
    const ua = userAgentFor(third);
    const started = await startAuthorization(third);
    const login = await ua.go(started.url.toString());
    const consent = await submitPassword(ua, login, s.alice);
    assert.equal(consent.status, 200);
    assert.match(consent.html, /Partner App/);
    assert.match(consent.html, /See your email address/);
    const done = await ua.submit(consent, '/consent');
    const tokens = await redeem(third, new URL(done.url), started);
    assert.equal(tokens.claims()!.sub, s.alice.id);

    const denied = await ua.go((await startAuthorization(third, { prompt: 'consent' })).url.toString());
    const back = await ua.submit(denied, '/abort');
    assert.equal(new URL(back.url).searchParams.get('error'), 'access_denied');
  });

  test('consent lists every scope it grants, API scopes with their resource and description; nothing unlisted is issued', async () => {
    const API = 'https://api.example.com/reports';
    await createResourcesRepo(s.lk.backend.db).create({
      indicator: API,
      name: 'Reports API',
      scopes: ['reports:read', 'reports:write', 'reports:admin'],
      scopeDescriptions: { 'reports:read': 'Read your reports', 'reports:write': 'Create and change your reports' },
    });
    const third = await relyingParty(
      s.lk,
      await s.lk.createClient({ name: 'Partner Reports', thirdParty: true, resources: [{ indicator: API, scopes: ['reports:read', 'reports:write'] }] }),
    );
    const ua = userAgentFor(third);
    const started = await startAuthorization(third, { scope: 'openid email reports:read reports:write reports:admin', resource: API });
    const consent = await submitPassword(ua, await ua.go(started.url.toString()), s.alice);
    assert.equal(consent.status, 200);
    const listed = listedScopes(consent);
    assert.deepEqual(listed, ['openid', 'email', 'reports:read', 'reports:write'], 'reports:admin is not granted to this client');
    assert.match(consent.html, /On Reports API/);
    assert.match(consent.html, /Read your reports/);
    assert.match(consent.html, /Create and change your reports/);
    assert.match(consent.html, /sent to <strong>localhost:8089<\/strong>/, 'the redirect host');

    const done = await ua.submit(consent, '/consent');
    const tokens = await redeem(third, new URL(done.url), started);
    const issued = String(decodeJwt(tokens.access_token).scope).split(' ');
    assert.deepEqual(issued, ['reports:read', 'reports:write']);
    for (const scope of [...issued, ...String(tokens.scope).split(' ')]) assert.ok(listed.includes(scope), `${scope} was on the consent page`);
  });
});
