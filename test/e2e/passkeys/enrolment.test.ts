import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAccountsRepo } from '../../../src/accounts/accounts-repo.js';
import { createInvitation } from '../../../src/accounts/invitations.js';
import { createOneTimeCodes } from '../../../src/accounts/one-time-codes.js';
import { createAuditLog } from '../../../src/audit/audit-log.js';
import { passkeysSuite } from './setup.js';

passkeysSuite('passkey enrolment', (s) => {
  const { person, enrol, passkeysOf } = s;

  test('enrol after a password sign-in; the sign-in still reports pwd', async () => {
    const alice = await s.lk.createUser({ email: 'alice@example.com' });
    const { context, page, authenticator } = await person({ backupEligible: true });
    const claims = await enrol(page, alice);
    assert.equal(claims.acr, 'pwd');
    assert.deepEqual(claims.amr, ['pwd']);
    const stored = await passkeysOf(alice.id);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.backupEligible, true);
    assert.equal((await authenticator.getCredentials()).length, 1);
    const events = await createAuditLog(s.open.db).list({ accountId: alice.id, type: 'passkey.added' });
    assert.equal(events.length, 1);
    const added = await s.mail.take(alice.email, /A passkey was added/);
    assert.match(added.text ?? '', /A passkey named "Passkey" was added/);
    assert.match(added.text ?? '', /Device: Chrome/);
    await context.close();
  });

  test('the first passkey from the account page needs the mailed code too', async () => {
    const user = await s.lk.createUser();
    const { context, page } = await person({ backupEligible: true });
    await page.goto(`${s.lk.issuer}/account/sign-in`);
    await s.passwordSignIn(page, user);
    await page.click('button:has-text("Not now")');
    await page.waitForSelector('#passkey-send-code');
    assert.equal(await page.locator('#passkey-add').count(), 0, 'no passkey button before the code');
    await s.confirmMailedCode(page, user.email);
    await page.waitForSelector('text=Code confirmed');
    await page.fill('#passkey-name', 'Desk');
    await page.click('#passkey-add');
    await page.waitForSelector('text=Passkey added');
    assert.equal((await passkeysOf(user.id))[0]!.name, 'Desk');
    assert.match((await s.mail.take(user.email, /A passkey was added/)).text ?? '', /"Desk"/);
    await context.close();
  });

  test('an invitation link creates the first passkey in the browser', async () => {
    const codes = createOneTimeCodes({
      db: s.open.db,
      clock: () => new Date(),
      secret: s.open.keyEncryptionKey,
      failures: s.open.ephemeral.failureLimiter({ name: 'unused', points: 1, durationSeconds: 1, blockSeconds: 1 }),
    });
    const { account, url } = await createInvitation(
      { accounts: createAccountsRepo(s.open.db), codes, queueMail: (m) => s.lk.mailer.send(m) },
      { email: 'erin@example.com', name: 'Erin', issuer: s.lk.issuer },
    );
    const { context, page } = await person({ backupEligible: true });
    await page.goto(url);
    await page.fill('#passkey-name', 'Phone');
    await page.click('#passkey-invite');
    await page.waitForSelector('text=Your passkey is ready');
    assert.equal((await passkeysOf(account.id))[0]!.name, 'Phone');
    await page.goto(url);
    await page.waitForSelector('text=This invitation link has expired');
    await context.close();
  });

  test('a second passkey needs a fresh passkey verification, not just a password', async () => {
    const user = await s.lk.createUser();
    const { context, page, authenticator } = await person({ backupEligible: true });
    await enrol(page, user);
    await page.goto(`${s.lk.issuer}/account`);
    await page.waitForSelector('text=confirm with a passkey');
    assert.equal(await page.locator('#passkey-add').count(), 0);
    const csrf = await page.locator('meta[name="csrf-token"]').getAttribute('content');
    const refused = await page.request.post(`${s.lk.issuer}/account/passkeys/options`, {
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf! },
      data: JSON.stringify({}),
    });
    assert.equal(refused.status(), 403);
    assert.equal((await refused.json()).error, 'account.reauthentication_required');

    // After a passkey step-up the same request is allowed and a second passkey is added.
    await page.click('a[href="/account/sign-in?reauth=passkey"]');
    await page.click('#passkey-step-up');
    await page.waitForSelector('#passkey-add');
    // The new passkey comes from another device: this authenticator forgets the first one
    // (excludeCredentials would otherwise, rightly, refuse a second on the same device).
    const [first] = await authenticator.getCredentials();
    await authenticator.cdp.send('WebAuthn.removeCredential', { authenticatorId: authenticator.authenticatorId, credentialId: first!.credentialId });
    await page.fill('#passkey-name', 'Laptop');
    await page.click('#passkey-add');
    await page.waitForSelector('input[name="name"][value="Laptop"]');
    assert.equal((await passkeysOf(user.id)).length, 2);
    await s.mail.take(user.email, /A passkey was added/); // the first one's
    assert.match((await s.mail.take(user.email, /A passkey was added/)).text ?? '', /"Laptop"/);

    // Removing one (the passkey step-up is still fresh) tells the owner too.
    await page.locator('tr', { has: page.locator('input[value="Laptop"]') }).locator('button:has-text("Remove")').click();
    await page.waitForSelector('text=Passkey removed');
    assert.equal((await passkeysOf(user.id)).length, 1);
    const removed = await s.mail.take(user.email, /A passkey was removed/);
    assert.match(removed.text ?? '', /The passkey named "Laptop" was removed/);
    await context.close();
  });
});
