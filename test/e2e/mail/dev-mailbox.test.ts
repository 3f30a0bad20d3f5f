import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { backends, type OpenBackend } from '../../helpers/backends.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { isLoginPage, relyingParty, startAuthorization, userAgentFor } from '../../helpers/rp.js';
import { rawRequest } from '../../helpers/raw-request.js';

/** The sign-in page as a person reaches it from an app. */
async function signInPage(lk: TestLatchkey) {
  const rp = await relyingParty(lk, await lk.createClient());
  const page = await userAgentFor(rp).go((await startAuthorization(rp)).url.toString());
  assert.ok(isLoginPage(page));
  return page.html;
}

for (const backend of backends()) {
  describe(`local dev mailbox (${backend.name})`, () => {
    let open: OpenBackend;
    before(async () => {
      open = await backend.open();
    });
    after(async () => open?.close());

    test('with no SMTP server, mail is a file in <dataDir>/mailbox, listed and readable on /dev/mailbox, linked from sign-in', async () => {
      const lk = await startLatchkey(open);
      try {
        assert.equal(lk.mailer.kind, 'mailbox');
        const delivered = once(lk.mailer.events, 'delivered');
        const { id } = await lk.mailer.send({
          to: 'alice@example.com',
          template: 'passkey-added',
          data: { passkeyName: '<b>Work laptop</b>', device: 'Chrome on Windows', ip: '203.0.113.7' },
        });
        await delivered;
        const file = JSON.parse(readFileSync(join(open.dataDir, 'mailbox', `${id}.json`), 'utf8'));
        assert.equal(file.subject, 'A passkey was added to your account');
        assert.equal(file.to, 'alice@example.com');
        assert.match(file.text, /A passkey named "<b>Work laptop<\/b>" was added/);

        const list = await fetch(`${lk.issuer}/dev/mailbox`);
        assert.equal(list.status, 200);
        const listHtml = await list.text();
        assert.match(listHtml, new RegExp(`href="/dev/mailbox/${id}">A passkey was added to your account</a>`));
        assert.match(listHtml, /to alice@example\.com/);

        const one = await (await fetch(`${lk.issuer}/dev/mailbox/${id}`)).text();
        assert.match(one, /A passkey named &#34;&lt;b&gt;Work laptop&lt;\/b&gt;&#34; was added/, 'shown as text, escaped');
        assert.match(one, /Device: Chrome on Windows/);
        assert.match(one, /If this was not you, sign in at http:\/\/localhost:\d+\/account/);

        const html = await fetch(`${lk.issuer}/dev/mailbox/${id}/html`);
        assert.equal(html.status, 200);
        assert.match(html.headers.get('content-security-policy') ?? '', /^sandbox; default-src 'none'.*; frame-ancestors 'none'$/);
        assert.match(await html.text(), /<strong>&lt;b&gt;Work laptop&lt;\/b&gt;<\/strong>/);

        for (const missing of ['00000000-0000-4000-8000-000000000000', '..%2F..%2Fpglite', 'nope']) {
          assert.equal((await fetch(`${lk.issuer}/dev/mailbox/${missing}`)).status, 404, missing);
        }
        assert.match(await signInPage(lk), /<a href="\/dev\/mailbox">local mailbox<\/a>/);
        assert.match(await (await fetch(`${lk.issuer}/`)).text(), /<a href="\/dev\/mailbox">local mailbox<\/a>/, 'the home page links it too');
      } finally {
        await lk.close();
      }
    });

    const elsewhere: Array<[string, Record<string, string>]> = [
      ['an SMTP server is set', { LATCHKEY_SMTP_URL: 'smtp://127.0.0.1:2525', LATCHKEY_MAIL_FROM: 'no-reply@example.com' }],
      ['Latchkey listens beyond loopback', { HOST: '0.0.0.0' }],
      ['the issuer is not on loopback (a proxy in front)', { LATCHKEY_ISSUER: 'https://id.example.com', LATCHKEY_TRUSTED_PROXIES: '127.0.0.1' }],
    ];
    for (const [why, env] of elsewhere) {
      test(`/dev/mailbox is not found when ${why}`, async () => {
        const lk = await startLatchkey(open, env);
        try {
          // Another issuer's host is the only one Latchkey answers on (421 otherwise).
          const page = env.LATCHKEY_ISSUER
            ? await rawRequest(`${lk.issuer}/dev/mailbox`, { headers: { host: new URL(env.LATCHKEY_ISSUER).host } })
            : await fetch(`${lk.issuer}/dev/mailbox`);
          assert.equal(page.status, 404);
          // (With another issuer the test's relying party cannot discover it; the page is what counts.)
          if (!env.LATCHKEY_ISSUER) {
            assert.doesNotMatch(await signInPage(lk), /\/dev\/mailbox/);
            assert.doesNotMatch(await (await fetch(`${lk.issuer}/`)).text(), /\/dev\/mailbox/, 'nor does the home page');
          }
        } finally {
          await lk.close();
        }
      });
    }
  });
}
