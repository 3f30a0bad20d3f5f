import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startAuthorization, userAgentFor } from '../../helpers/rp.js';
import { codeFlowSuite } from './setup.js';

codeFlowSuite('code flow: failed password sign-ins', (s) => {
  test('unknown email and wrong password look the same; CSRF token required', async () => {
    const ua = userAgentFor(s.rp);
    const started = await startAuthorization(s.rp);
    const page = await ua.go(started.url.toString());
    assert.match(page.html, /<title>Sign in · Latchkey<\/title>/, 'the page is rendered whole, layout included');
    assert.match(page.html, /name="email" type="email" autocomplete="username webauthn"/);
    const unknown = await ua.submit(page, '/password', { email: 'nobody@example.com', password: 'whatever-password' });
    const wrong = await ua.submit(page, '/password', { email: s.alice.email, password: 'not-her-password' });
    assert.equal(unknown.status, 401);
    assert.equal(wrong.status, 401);
    const message = (html: string) => /<p class="error"[^>]*>([^<]*)</.exec(html)?.[1];
    assert.equal(message(unknown.html), message(wrong.html));
    assert.ok(message(wrong.html));

    const forged = await ua.submit(page, '/password', { email: s.alice.email, password: s.alice.password, _csrf: 'forged' });
    assert.equal(forged.status, 403);
    assert.doesNotMatch(forged.html, /at .*\.ts/, 'no stack trace');
  });

  test('repeated failures lock the account, for existing and unknown emails alike', async () => {
    const bob = await s.lk.createUser({ email: 'bob@example.com' });
    const ua = userAgentFor(s.rp);
    const page = await ua.go((await startAuthorization(s.rp)).url.toString());
    for (const email of [bob.email, 'ghost@example.com']) {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i += 1) statuses.push((await ua.submit(page, '/password', { email, password: `wrong-${i}-password` })).status);
      assert.deepEqual(statuses, [401, 401, 401, 429, 429], email);
    }
    const blocked = await ua.submit(page, '/password', { email: bob.email, password: bob.password });
    assert.equal(blocked.status, 429, 'the right password does not open a locked account');
    assert.ok(blocked.headers.get('retry-after'));
  });
});
