import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { basicAuth } from '../../helpers/client-auth.js';
import { SoftwareAuthenticator } from '../../helpers/software-authenticator.js';
import type { Page, UserAgent } from '../../helpers/user-agent.js';
import { createAccountsRepo } from '../../../src/accounts/accounts-repo.js';
import { createResourcesRepo } from '../../../src/clients/resources-repo.js';
import { createPasskeysRepo } from '../../../src/passkeys/passkeys-repo.js';
import { accountSuite, type AccountSuite } from './setup.js';

const REPORTS = 'https://api.example.com/reports';
const BILLING = 'https://api.example.com/billing';
const DAY = 24 * 3600 * 1000;
const day = (offsetDays: number, s: AccountSuite) => new Date(s.now().getTime() + offsetDays * DAY).toISOString().slice(0, 10);
const csrfOf = (page: Page) => /name="csrf-token" content="([^"]+)"/.exec(page.html)![1]!;
const field = (page: Page, id: string) => new RegExp(`id="${id}"[^>]*value="([^"]*)"`).exec(page.html)?.[1];
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

/** Creates a key through the form; the page that answers (the secret page on success). */
async function createKey(s: AccountSuite, ua: UserAgent, fields: Record<string, string>): Promise<Page> {
  const form = await ua.go(`${s.lk.issuer}/account/api-keys/new`);
  return ua.submit(form, '/account/api-keys', fields);
}

function shownKey(page: Page) {
  assert.equal(page.status, 200, page.html.slice(0, 3000));
  return { clientId: field(page, 'client-id')!, clientSecret: /id="client-secret"[^>]*>([^<]+)<\/textarea>/.exec(page.html)![1]! };
}

async function token(s: AccountSuite, key: { clientId: string; clientSecret: string }, params: Record<string, string> = { resource: REPORTS, scope: 'reports:read' }) {
  const res = await fetch(`${s.lk.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(key.clientId, key.clientSecret) },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...params }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The account page's passkey step-up, over HTTP with a software passkey. */
async function passkeyStepUp(s: AccountSuite, ua: UserAgent, authenticator: SoftwareAuthenticator): Promise<Page> {
  const stepUp = await ua.go(`${s.lk.issuer}/account/sign-in?reauth=passkey`);
  const options = await ua.postJson(`${stepUp.url}/step-up/options`, {}, { 'x-csrf-token': csrfOf(stepUp) });
  assert.equal(options.status, 200, JSON.stringify(options.body));
  const credential = authenticator.assert((options.body as { challenge: string }).challenge);
  const verified = await ua.postJson(`${stepUp.url}/step-up/verify`, { credential }, { 'x-csrf-token': csrfOf(stepUp) });
  assert.equal(verified.status, 200, JSON.stringify(verified.body));
  return ua.go(new URL((verified.body as { redirect: string }).redirect, s.lk.issuer).toString());
}

accountSuite(
  'account page: API keys',
  (s) => {
    before(async () => {
      const resources = createResourcesRepo(s.open.db);
      await resources.create({ indicator: REPORTS, name: 'Reports API', scopes: ['reports:read', 'reports:write'], userDelegableScopes: ['reports:read'] });
      await resources.create({ indicator: BILLING, name: 'Billing API', scopes: ['billing:read'] });
    });

    test('a fresh sign-in creates a key: only delegable scopes, a required and bounded end date; the secret is shown once and gets a token naming the owner', async () => {
      const alice = await s.lk.createUser({ email: 'alice.keys@example.com' });
      const ua = s.browser();
      await s.accountPage(ua, alice);
      const form = await ua.go(`${s.lk.issuer}/account/api-keys/new`);
      assert.match(form.html, /<legend>What it may do<\/legend>/);
      assert.match(form.html, /value="https:\/\/api.example.com\/reports reports:read"/);
      assert.doesNotMatch(form.html, /reports:write|billing:read/, 'only what users may delegate is offered');
      assert.match(form.html, new RegExp(`max="${day(30, s)}"`), 'the date picker stops at the longest lifetime');

      const valid = { name: 'Nightly backup', grant: `${REPORTS} reports:read`, expires: day(10, s) };
      const outside = await createKey(s, ua, { ...valid, grant: `${REPORTS} reports:write` });
      assert.equal(outside.status, 400);
      assert.match(outside.html, /type="checkbox"[^>]*aria-invalid="true" aria-describedby="scopes-error" autofocus/);
      assert.match(outside.html, /Choose only from the permissions listed/);
      assert.equal((await createKey(s, ua, { ...valid, grant: `${BILLING} billing:read` })).status, 400, 'an API users may not delegate');
      assert.equal((await createKey(s, ua, { ...valid, grant: '' })).status, 400, 'no permission at all');
      const unnamed = await createKey(s, ua, { ...valid, name: '  ' });
      assert.equal(unnamed.status, 400);
      assert.match(unnamed.html, /id="key-name"[^>]*aria-describedby="key-name-hint key-name-error" aria-invalid="true" autofocus/);
      for (const expires of ['', 'next year', day(31, s), day(0, s), day(-3, s)]) {
        const refused = await createKey(s, ua, { ...valid, expires });
        assert.equal(refused.status, 400, `expires=${expires}`);
        assert.match(refused.html, /id="key-expires"[^>]*aria-invalid="true" autofocus/, `expires=${expires}`);
      }
      assert.equal((await s.lk.backend.db.query('SELECT 1 FROM clients WHERE owner_account_id = $1', [alice.id])).rows.length, 0, 'nothing was created');

      const form2 = await ua.go(`${s.lk.issuer}/account/api-keys/new`);
      const created = await ua.submit(form2, '/account/api-keys', valid);
      assert.match(created.html, /API key “Nightly backup” created\. Copy the secret now: it is shown only once\./);
      const key = shownKey(created);
      assert.match(created.html, new RegExp(`curl -s -u &#39;${key.clientId}:${key.clientSecret}&#39; -d grant_type=client_credentials`));
      assert.match(created.html, /--data-urlencode &#39;resource=https:\/\/api.example.com\/reports&#39; --data-urlencode &#39;scope=reports:read&#39;/);

      const issued = await token(s, key);
      assert.equal(issued.status, 200, JSON.stringify(issued.body));
      const claims = claimsOf(String(issued.body.access_token));
      assert.equal(claims.sub, key.clientId, 'the subject is the key');
      assert.equal(claims.owner, alice.id, 'the owner is the user');
      assert.equal(claims.client_id, key.clientId);
      assert.equal(claims.aud, REPORTS);
      assert.equal(claims.scope, 'reports:read');
      assert.equal((await token(s, key, { resource: REPORTS, scope: 'reports:write' })).body.error, 'invalid_scope');
      assert.equal((await token(s, key, { resource: BILLING, scope: 'billing:read' })).body.error, 'invalid_target');

      // The operator takes the scope off the delegable list: the key stops getting it at once.
      await createResourcesRepo(s.open.db).setUserDelegable(REPORTS, []);
      const taken = await token(s, key);
      await createResourcesRepo(s.open.db).setUserDelegable(REPORTS, ['reports:read']);
      assert.equal(taken.body.error, 'invalid_target', 'the API is no longer one this key may call');
      assert.equal((await token(s, key)).status, 200);

      const again = await ua.submit(form2, '/account/api-keys', valid);
      assert.equal(again.status, 409, 'a reload of the answer does not make a second key');
      assert.match(again.html, /This form was already sent/);
      assert.equal((await s.open.db.query('SELECT 1 FROM clients WHERE owner_account_id = $1', [alice.id])).rows.length, 1);
      const page = await ua.go(`${s.lk.issuer}/account`);
      assert.doesNotMatch(page.html, new RegExp(key.clientSecret), 'the secret is never shown again');
      assert.match(page.html, /<strong>Nightly backup<\/strong>/);
      const [event] = await s.auditOf(alice.id, 'api_key.created');
      assert.equal(event?.clientId, key.clientId);
      assert.doesNotMatch(JSON.stringify(event), new RegExp(key.clientSecret));

      // Six minutes on, the password sign-in is no longer fresh: creating asks for it again.
      s.advance(6 * 60);
      const stale = await ua.go(`${s.lk.issuer}/account/api-keys/new`);
      assert.match(stale.html, /href="\/account\/sign-in\?reauth=password">confirm your password/);
      const refused = await ua.go(`${s.lk.issuer}/account/api-keys`, { method: 'POST', body: new URLSearchParams({ _csrf: csrfOf(stale), ...valid }) });
      assert.equal(refused.status, 403);
    });

    test('with a passkey on the account, creating and rotating need a fresh passkey', async () => {
      const bob = await s.lk.createUser({ email: 'bob.keys@example.com' });
      const authenticator = new SoftwareAuthenticator(new URL(s.lk.issuer).hostname, s.lk.issuer, bob.id);
      await authenticator.enrolIn(createPasskeysRepo(s.open.db));
      const ua = s.browser();
      await s.accountPage(ua, bob);
      const form = await ua.go(`${s.lk.issuer}/account/api-keys/new`);
      assert.match(form.html, /href="\/account\/sign-in\?reauth=passkey">confirm with a passkey/);
      assert.doesNotMatch(form.html, /name="grant"/);
      const fields = { name: 'Deploy bot', grant: `${REPORTS} reports:read`, expires: day(5, s) };
      const early = await ua.go(`${s.lk.issuer}/account/api-keys`, { method: 'POST', body: new URLSearchParams({ _csrf: csrfOf(form), ...fields }) });
      assert.equal(early.status, 403, 'a password alone does not create a key');

      assert.match((await passkeyStepUp(s, ua, authenticator)).url, /\/account$/);
      const key = shownKey(await createKey(s, ua, fields));
      assert.equal((await token(s, key)).status, 200);

      // Another browser signed in with the password alone cannot rotate it.
      const laptop = s.browser();
      await s.accountPage(laptop, bob);
      const rotate = await laptop.go(`${s.lk.issuer}/account/api-keys/${key.clientId}/rotate`);
      assert.match(rotate.html, /reauth=passkey/);
      const refused = await laptop.go(`${s.lk.issuer}/account/api-keys/${key.clientId}/rotate`, { method: 'POST', body: new URLSearchParams({ _csrf: csrfOf(rotate) }) });
      assert.equal(refused.status, 403);
      const rotated = shownKey(await ua.submit(await ua.go(`${s.lk.issuer}/account/api-keys/${key.clientId}/rotate`), '/rotate', { overlap: 'now' }));
      assert.equal(rotated.clientId, key.clientId);
      assert.equal((await token(s, rotated)).status, 200);
      assert.equal((await token(s, key)).body.error, 'invalid_client', 'the old secret stopped at once');
    });

    test('last use is listed; revoking (after a confirmation) ends the key; another account can neither see nor touch it', async () => {
      const carol = await s.lk.createUser({ email: 'carol.keys@example.com' });
      const ua = s.browser();
      await s.accountPage(ua, carol);
      const key = shownKey(await createKey(s, ua, { name: 'Reports export', grant: `${REPORTS} reports:read`, expires: day(20, s) }));
      assert.match((await ua.go(`${s.lk.issuer}/account`)).html, /last used never/);
      assert.equal((await token(s, key)).status, 200);
      await s.lk.flush();
      assert.match((await ua.go(`${s.lk.issuer}/account`)).html, /last used \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);

      const dave = await s.lk.createUser({ email: 'dave.keys@example.com' });
      const other = s.browser();
      const davePage = await s.accountPage(other, dave);
      assert.doesNotMatch(davePage.html, new RegExp(key.clientId), "another account's keys are not listed");
      for (const path of ['revoke', 'rotate']) {
        assert.equal((await other.go(`${s.lk.issuer}/account/api-keys/${key.clientId}/${path}`)).status, 404, `GET ${path}`);
        const posted = await other.go(`${s.lk.issuer}/account/api-keys/${key.clientId}/${path}`, { method: 'POST', body: new URLSearchParams({ _csrf: csrfOf(davePage) }) });
        assert.equal(posted.status, 404, `POST ${path}`);
      }
      const noCsrf = await ua.go(`${s.lk.issuer}/account/api-keys/${key.clientId}/revoke`, { method: 'POST', body: new URLSearchParams({}) });
      assert.equal(noCsrf.status, 403);
      assert.equal((await token(s, key)).status, 200, 'still working');

      const confirm = await ua.go(`${s.lk.issuer}/account/api-keys/${key.clientId}/revoke`);
      assert.match(confirm.html, /<h1>Revoke the API key Reports export<\/h1>/);
      assert.match(confirm.html, /It can now use: Reports API: reports:read\./);
      const done = await ua.submit(confirm, '/revoke');
      assert.match(done.url, /\/account\?done=api-key-revoked$/);
      assert.match(done.html, /The API key was revoked/);
      assert.doesNotMatch(done.html, new RegExp(key.clientId));
      assert.equal((await token(s, key)).body.error, 'invalid_client');
      assert.equal((await s.auditOf(carol.id, 'api_key.revoked')).length, 1);
    });

    test("a disabled owner's keys answer invalid_client until the owner is enabled; deleting the owner deletes them; the per-account limit holds", async () => {
      const erin = await s.lk.createUser({ email: 'erin.keys@example.com' });
      const ua = s.browser();
      await s.accountPage(ua, erin);
      const key = shownKey(await createKey(s, ua, { name: 'CI', grant: `${REPORTS} reports:read`, expires: day(3, s) }));
      const accounts = createAccountsRepo(s.open.db);
      await accounts.setDisabled(erin.id, new Date());
      const refused = await token(s, key);
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error, 'invalid_client');
      await accounts.setDisabled(erin.id, null);
      assert.equal((await token(s, key)).status, 200, 'enabled again, the key works again');

      await s.accountPage(ua, erin);
      for (const name of ['second', 'third']) shownKey(await createKey(s, ua, { name, grant: `${REPORTS} reports:read`, expires: day(3, s) }));
      const full = await ua.go(`${s.lk.issuer}/account/api-keys/new`);
      assert.match(full.html, /You have 3 API keys, the most an account may have/);
      const over = await ua.go(`${s.lk.issuer}/account/api-keys`, {
        method: 'POST',
        body: new URLSearchParams({ _csrf: csrfOf(full), name: 'fourth', grant: `${REPORTS} reports:read`, expires: day(3, s) }),
      });
      assert.equal(over.status, 400);
      assert.match(over.html, /You have 3 API keys, the most an account may have/);
      assert.doesNotMatch((await ua.go(`${s.lk.issuer}/account`)).html, /href="\/account\/api-keys\/new"/, 'no create link at the limit');

      await accounts.remove(erin.id);
      assert.equal((await s.open.db.query('SELECT 1 FROM clients WHERE owner_account_id = $1', [erin.id])).rows.length, 0);
      assert.equal((await token(s, key)).body.error, 'invalid_client');
    });

    // Last: it moves the suite's clock two days on.
    test('at its end date a key stops (invalid_client) and the list says it expired', async () => {
      const frank = await s.lk.createUser({ email: 'frank.keys@example.com' });
      const ua = s.browser();
      await s.accountPage(ua, frank);
      const key = shownKey(await createKey(s, ua, { name: 'Short-lived', grant: `${REPORTS} reports:read`, expires: day(1, s) }));
      assert.equal((await token(s, key)).status, 200);
      s.advance(2 * 24 * 3600);
      assert.equal((await token(s, key)).body.error, 'invalid_client');
      const page = await ua.go(`${s.lk.issuer}/account`);
      assert.match(page.html, /<strong>Short-lived<\/strong> <span class="badge">Expired<\/span>/);
      assert.doesNotMatch(page.html, new RegExp(`/account/api-keys/${key.clientId}/rotate`), 'no new secret for an expired key');
      assert.match(page.html, new RegExp(`/account/api-keys/${key.clientId}/revoke`), 'but it can be removed');
    });
  },
  { LATCHKEY_API_KEY_MAX_DAYS: '30', LATCHKEY_API_KEYS_PER_ACCOUNT: '3' },
);
