import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAuditLog } from '../../../src/audit/audit-log.js';
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
    // The password field is the one in error: marked, described by the message, and
    // focused, so the person retypes it; the typed email stays and is not marked.
    const input = (html: string, name: string) => new RegExp(`<input id="${name}"[^>]*>`).exec(html)?.[0] ?? '';
    assert.match(input(wrong.html, 'password'), /aria-invalid="true" aria-describedby="sign-in-error" autofocus/);
    assert.match(wrong.html, /<p class="error" role="alert" id="sign-in-error">/);
    assert.doesNotMatch(input(wrong.html, 'email'), /aria-invalid|autofocus/);
    assert.match(input(wrong.html, 'email'), /value="alice@example.com"/);
    assert.match(input(page.html, 'email'), /autofocus/, 'a fresh page focuses the email field');

    const forged = await ua.submit(page, '/password', { email: s.alice.email, password: s.alice.password, _csrf: 'forged' });
    assert.equal(forged.status, 403);
    assert.doesNotMatch(forged.html, /at .*\.ts/, 'no stack trace');
  });

  test('repeated failures lock the account, for existing and unknown emails alike, and a lock looks like a wrong password', async () => {
    const bob = await s.lk.createUser({ email: 'bob@example.com' });
    const ua = userAgentFor(s.rp);
    const page = await ua.go((await startAuthorization(s.rp)).url.toString());
    const message = (html: string) => /<p class="error"[^>]*>([^<]*)</.exec(html)?.[1];
    const answers = [];
    for (const email of [bob.email, 'ghost@example.com']) {
      for (let i = 0; i < 5; i += 1) answers.push(await ua.submit(page, '/password', { email, password: `wrong-${i}-password` }));
    }
    const blocked = await ua.submit(page, '/password', { email: bob.email, password: bob.password });
    answers.push(blocked);
    // Same status, same words, no Retry-After: nothing tells a lock (or an account) apart.
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([401]));
    assert.equal(new Set(answers.map((a) => message(a.html))).size, 1);
    assert.ok(answers.every((a) => a.headers.get('retry-after') === null));
    assert.doesNotMatch(blocked.html, /locked|too many/i);
    const events = await createAuditLog(s.open.db).list({ accountId: bob.id });
    assert.deepEqual(
      events.map((e) => e.type),
      ['login.failed', 'login.failed', 'login.failed', 'login.failed', 'account.locked'],
      'four checked failures, then the lock; the right password after it is not even checked',
    );
  });
});
