import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAuditLog } from '../../../src/audit/audit-log.js';
import { oidc, redeem, signIn, userAgentFor } from '../../helpers/rp.js';
import { UserAgent } from '../../helpers/user-agent.js';
import { lifecycleSuite } from './setup.js';

lifecycleSuite('verify email', (s) => {
  test('an unverified address becomes verified only through the mailed code, and the claim follows', async () => {
    const user = await s.lk.createUser({ email: 'uma@example.com', name: 'Uma Example' });
    await s.open.db.query('UPDATE accounts SET email_verified = false WHERE id = $1', [user.id]);
    const emailClaims = { claims: JSON.stringify({ id_token: { email_verified: null } }) };
    const before = await signIn(userAgentFor(s.rp), s.rp, user, emailClaims);
    assert.equal((await redeem(s.rp, before.callback, before.started)).claims()!.email_verified, false);

    const ua = new UserAgent();
    let page = await ua.go(`${s.lk.issuer}/account/sign-in`);
    page = await s.pastOffer(ua, await ua.submit(page, '/password', { email: user.email, password: user.password }));
    assert.match(page.html, /Your email address is not verified/);
    const codePage = await ua.submit(page, '/account/verify-email/send');
    assert.equal(codePage.status, 200);
    assert.match(codePage.html, /We sent a code to uma@example.com/);
    assert.match(codePage.html, /autocomplete="one-time-code"/);
    const mail = await s.mailTo(user.email, 'Your code to verify your email address');
    assert.match(mail.text!, /If you did not ask for this code/);
    assert.match(mail.text!, /Device: /);
    const code = s.codeIn(mail);

    const wrong = await ua.submit(codePage, '/account/verify-email', { code: code === '123456' ? '654321' : '123456' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.html, /aria-invalid="true"/);
    const done = await ua.submit(wrong, '/account/verify-email', { code });
    assert.match(done.url, /\/account\?notice=email_verified$/);
    assert.match(done.html, /Your email address is verified\./);
    assert.doesNotMatch(done.html, /not verified/);
    assert.equal((await createAuditLog(s.open.db).list({ accountId: user.id, type: 'email.verified' })).length, 1);

    const after = await signIn(userAgentFor(s.rp), s.rp, user, emailClaims);
    const tokens = await redeem(s.rp, after.callback, after.started);
    assert.equal(tokens.claims()!.email_verified, true);
    assert.equal((await oidc.fetchUserInfo(s.rp.config, tokens.access_token, user.id)).email_verified, true);
  });
});
