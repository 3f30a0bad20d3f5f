import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { apacheAvailable, freePort, startApache, type RunningApache } from '../../helpers/apache.js';
import { passkeysSuite } from '../passkeys/setup.js';

/**
 * Apache with Debian's mod_auth_openidc as the relying party, protecting a page with
 * `Require claim acr:phr` (an exact comparison) and sending `acr_values=phr`. A person
 * with a device-bound passkey (unattested: it reaches phr) signs in with a password, steps up with
 * the passkey and gets the page: one authorization request, no loop.
 */
passkeysSuite('Apache mod_auth_openidc as a relying party', (s) => {
  let apache: RunningApache | undefined;
  after(async () => {
    await apache?.stop();
  });

  // .ci/run installs Apache; under CI a missing relying party is a failing test. On a
  // developer's machine without it the test is not registered (said on stderr), so
  // nothing is reported as passed or skipped that did not run.
  if (!apacheAvailable() && process.env.CI !== 'true') {
    process.stderr.write('mod_auth_openidc test not run: apache2 / libapache2-mod-auth-openidc not installed\n');
    return;
  }

  test('password, then passkey step-up, then the page: "Require claim acr:phr" is satisfied', async () => {
    assert.ok(apacheAvailable(), 'apache2 with libapache2-mod-auth-openidc is required under CI=true');
    const port = await freePort();
    const base = `http://localhost:${port}`;
    const client = await s.lk.createClient({ name: 'Ledger', redirectUris: [`${base}/protected/redirect_uri`] });
    apache = await startApache(
      port,
      { 'protected/index.html': '<!doctype html><title>Ledger</title><h1>Quarterly ledger</h1>' },
      `OIDCProviderMetadataURL ${s.lk.issuer}/.well-known/openid-configuration
OIDCClientID ${client.clientId}
OIDCClientSecret ${client.clientSecret}
OIDCRedirectURI ${base}/protected/redirect_uri
OIDCCryptoPassphrase ${randomBytes(24).toString('hex')}
OIDCScope "openid email"
OIDCPKCEMethod S256
<Location /protected>
  AuthType openid-connect
  OIDCPathAuthRequestParams acr_values=phr
  OIDCUnAutzAction auth
  Require claim acr:phr
</Location>`,
    );

    const user = await s.lk.createUser();
    const { context, page } = await s.person({ backupEligible: false });
    await s.enrol(page, user);
    await context.clearCookies();

    const authorizations: string[] = [];
    page.on('request', (r) => {
      if (r.url().startsWith(`${s.lk.issuer}/auth?`)) authorizations.push(r.url());
    });
    await page.goto(`${base}/protected/`);
    await s.passwordSignIn(page, user);
    await page.click('#passkey-step-up');
    await page.waitForSelector('text=Quarterly ledger', { timeout: 20_000 }).catch(async (err: unknown) => {
      throw new Error(`the protected page was not served (at ${page.url()}; ${authorizations.length} authorization requests):\n${(await page.content()).slice(0, 800)}\n${apache?.errorLog().slice(-3000)}`, { cause: err });
    });
    assert.equal(authorizations.length, 1, 'one authorization request: no loop back to Latchkey');
    assert.equal(new URL(authorizations[0]!).searchParams.get('acr_values'), 'phr');
    await context.close();
  });
});
