import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAccountsRepo } from '../../../src/accounts/accounts-repo.js';
import { createAuditLog } from '../../../src/audit/audit-log.js';
import { oidc, redeem } from '../../helpers/rp.js';
import type { Page, UserAgent } from '../../helpers/user-agent.js';
import { lifecycleSuite, STRONG_PASSWORD, visibleText } from './setup.js';

lifecycleSuite('sign-up', (s) => {
  const signUpLink = (page: Page) => /href="(\/interaction\/[^"]+\/sign-up)"/.exec(page.html)?.[1];

  async function startSignUp(email: string, name = 'Dana Example', extra: Record<string, string> = {}) {
    const { ua, page, started } = await s.atSignIn(extra);
    const link = signUpLink(page);
    assert.ok(link, 'the sign-in page links to sign-up');
    const form = await ua.go(new URL(link, s.lk.issuer).toString());
    assert.equal(form.status, 200);
    const codePage = await ua.submit(form, '/sign-up', { email, name });
    return { ua, started, form, codePage };
  }

  test('with a password, end to end to the app: the ID token says email_verified and acr pwd', async () => {
    const email = 'dana@example.com';
    const { ua, started, codePage } = await startSignUp(' Dana@Example.com ', 'Dana Example', {
      claims: JSON.stringify({ id_token: { email: null, email_verified: null, name: null } }),
    });
    assert.equal(codePage.status, 200);
    assert.match(codePage.html, /autocomplete="one-time-code"/);
    assert.match(codePage.html, /inputmode="numeric"/);
    const mail = await s.mailTo(email);
    assert.equal(mail.subject, 'Your code to create your account');
    assert.match(mail.text!, /Device: /);
    assert.match(mail.text!, /If you did not ask for this code/);
    const choose = await ua.submit(codePage, '/sign-up/code', { code: s.codeIn(mail) });
    assert.equal(choose.status, 200);
    assert.match(choose.html, /Create a passkey/);
    assert.match(choose.html, /autocomplete="new-password"/);
    assert.equal(await createAccountsRepo(s.open.db).findByEmail(email), undefined, 'no account before the choice');

    const done = await s.pastOffer(ua, await ua.submit(choose, '/sign-up/password', { password: STRONG_PASSWORD }));
    assert.equal(done.status, 0, `back at the app, not ${done.url}\n${done.html.slice(0, 800)}`);
    const tokens = await redeem(s.rp, new URL(done.url), started);
    const claims = tokens.claims()!;
    assert.equal(claims.email, email);
    assert.equal(claims.email_verified, true);
    assert.equal(claims.acr, 'pwd');
    assert.equal(claims.name, 'Dana Example');
    const info = await oidc.fetchUserInfo(s.rp.config, tokens.access_token, claims.sub);
    assert.equal(info.email_verified, true);
    const account = await createAccountsRepo(s.open.db).findByEmail(email);
    assert.equal(account?.emailVerified, true);
    const audit = await createAuditLog(s.open.db).list({ accountId: account!.id });
    assert.ok(audit.some((e) => e.type === 'account.created'));
  });

  test('an address that has an account: the same pages and answers, the owner is told, no code ever passes', async () => {
    const owner = await s.lk.createUser({ email: 'erin@example.com', name: 'Erin Owner' });
    const fresh = 'frank@example.com';
    const known = await startSignUp(owner.email, 'Mallory');
    const unknown = await startSignUp(fresh, 'Mallory');
    const same = (page: Page, email: string) => visibleText(page).replaceAll(email, 'EMAIL');
    assert.equal(known.codePage.status, unknown.codePage.status);
    assert.equal(same(known.codePage, owner.email), same(unknown.codePage, fresh));

    const ownerMail = await s.mailTo(owner.email);
    assert.equal(ownerMail.subject, 'Someone tried to sign up with your email address');
    assert.match(ownerMail.text!, /no new one was made/);
    assert.match(ownerMail.text!, /Device: /);
    assert.doesNotMatch(ownerMail.text!, /\b\d{6}\b/, 'no code in the mail');
    const realCode = s.codeIn(await s.mailTo(fresh));

    // Any code: the known address gets the answer a wrong code gets on a real sign-up.
    const wrongOnKnown = await known.ua.submit(known.codePage, '/sign-up/code', { code: realCode });
    const wrongOnReal = await unknown.ua.submit(unknown.codePage, '/sign-up/code', { code: realCode === '000000' ? '000001' : '000000' });
    assert.equal(wrongOnKnown.status, 400);
    assert.equal(wrongOnKnown.status, wrongOnReal.status);
    assert.equal(same(wrongOnKnown, owner.email), same(wrongOnReal, fresh));
    assert.match(wrongOnKnown.html, /aria-invalid="true"/);
    assert.match(wrongOnKnown.html, /aria-describedby="code-error"/);

    // "Send a new code" looks the same too, and mails the owner again, not a code.
    const resentKnown = await known.ua.submit(wrongOnKnown, '/sign-up/resend');
    const resentReal = await unknown.ua.submit(wrongOnReal, '/sign-up/resend');
    assert.equal(same(resentKnown, owner.email), same(resentReal, fresh));
    assert.equal((await s.mailTo(owner.email)).subject, 'Someone tried to sign up with your email address');
    const accounts = createAccountsRepo(s.open.db);
    assert.equal((await accounts.findByEmail(owner.email))?.name, 'Erin Owner', 'the owner account is untouched');
    // The choice page is out of reach without a passing code.
    const choose = await known.ua.go(`${new URL(known.codePage.url).origin}${new URL(known.codePage.url).pathname.replace('/code', '/choose')}`);
    assert.match(choose.url, /\/sign-up\/code$/);
  });

  test('a dead code stays dead: after five wrong codes the right one fails, a new code works', async () => {
    const email = 'gina@example.com';
    const { ua, codePage } = await startSignUp(email);
    const code = s.codeIn(await s.mailTo(email));
    const wrong = code === '999999' ? '999998' : '999999';
    let page = codePage;
    for (let i = 0; i < 5; i++) page = await ua.submit(page, '/sign-up/code', { code: wrong });
    const dead = await ua.submit(page, '/sign-up/code', { code });
    assert.equal(dead.status, 400);
    assert.match(dead.html, /That code is not right, or it is no longer valid/);
    const resent = await ua.submit(dead, '/sign-up/resend');
    assert.match(resent.html, /We sent a new code/);
    const fresh = s.codeIn(await s.mailTo(email));
    // The old code stays dead even after a new one was issued.
    assert.equal((await ua.submit(resent, '/sign-up/code', { code })).status, code === fresh ? 200 : 400);
    const choose = await ua.submit(resent, '/sign-up/code', { code: fresh });
    assert.match(choose.html, /Choose how to sign in/);
  });

  test('weak passwords are refused with the reason; the account is made only with a good one', async () => {
    const email = 'hana.weak@example.com';
    const { ua, codePage } = await startSignUp(email, 'Hana Weak');
    const choose = await ua.submit(codePage, '/sign-up/code', { code: s.codeIn(await s.mailTo(email)) });
    const short = await ua.submit(choose, '/sign-up/password', { password: 'short one' });
    assert.equal(short.status, 400);
    assert.match(short.html, /Use at least 15 characters/);
    assert.match(short.html, /aria-invalid="true"/);
    const common = await ua.submit(choose, '/sign-up/password', { password: 'passwordpassword123' });
    assert.match(common.html, /too common or too easy to guess|Do not build/);
    const personal = await ua.submit(choose, '/sign-up/password', { password: 'hana.weak@example.com' });
    assert.match(personal.html, /Do not build your password from your email address/);
    assert.equal(await createAccountsRepo(s.open.db).findByEmail(email), undefined);
  });

  test('two parallel completions make one account', async () => {
    const email = 'ivy.race@example.com';
    const { ua, codePage } = await startSignUp(email);
    const choose = await ua.submit(codePage, '/sign-up/code', { code: s.codeIn(await s.mailTo(email)) });
    const results = await Promise.all([0, 1].map(() => (ua as UserAgent).submit(choose, '/sign-up/password', { password: STRONG_PASSWORD })));
    // Either both reach the account's creation and the unique index lets one win (409 for
    // the other), or one finishes first and the other, its step gone, is shown the step
    // the sign-in is at: under load both happen. Either way one account, created once.
    const outcome = results.map((p) => p.status).join(',');
    assert.ok(results.some((p) => p.status === 200) && results.every((p) => p.status === 200 || p.status === 409), outcome);
    const { rows } = await s.open.db.query<{ n: number }>('SELECT count(*)::int AS n FROM accounts WHERE email = $1', [email]);
    assert.equal(rows[0]!.n, 1);
    const created = await s.open.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_events WHERE type = 'account.created' AND account_id = (SELECT id FROM accounts WHERE email = $1)",
      [email],
    );
    assert.equal(created.rows[0]!.n, 1, outcome);
  });
});

lifecycleSuite(
  'sign-up closed',
  (s) => {
    test('no link on the sign-in page, and the routes answer with a readable page', async () => {
      const { ua, page } = await s.atSignIn();
      assert.doesNotMatch(page.html, /\/sign-up"/);
      const uid = /\/interaction\/([^/"]+)\/password/.exec(page.html)![1];
      const refused = await ua.go(`${s.lk.issuer}/interaction/${uid}/sign-up`);
      assert.equal(refused.status, 403);
      assert.match(refused.html, /Creating an account here is turned off/);
    });
  },
  { LATCHKEY_SIGNUP: 'closed' },
);
