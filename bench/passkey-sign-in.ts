/**
 * Passkey sign-in on Postgres + Redis with a software authenticator in this process:
 * authorize → sign-in page → options → assertion verify → code → token, each iteration
 * a new browser. Printed as sign-ins per second, next to the password sign-in's
 * argon2id baseline for scale (a passkey sign-in does no password hashing).
 */
import { createAccountsRepo } from '../src/accounts/accounts-repo.js';
import { createPasskeysRepo } from '../src/passkeys/passkeys-repo.js';
import { authorizeUrl, browser, codeAt, csrfOf, expectStatus, pkce, redeem } from './browserless.js';
import { benchWebClient, freePort, freshStores, measure, startLatchkey, stop } from './lib.js';
import { SoftwareAuthenticator } from '../test/helpers/software-authenticator.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);

export async function passkeySignInBench(): Promise<void> {
  process.stdout.write('\nPasskey sign-in (Postgres + Redis), software authenticator\n');
  const stores = await freshStores();
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  const redirectUri = 'http://localhost:8099/callback';
  const account = await createAccountsRepo(stores.db).create({ email: 'alice@example.com', name: 'Alice', passwordHash: null });
  const authenticator = new SoftwareAuthenticator('localhost', issuer, account.id);
  await authenticator.enrolIn(createPasskeysRepo(stores.db), { name: 'Bench passkey' });
  const client = await benchWebClient(stores.db, redirectUri);
  const server = await startLatchkey(stores, port);
  try {
    await measure('passkey sign-in, authorize → token', CONCURRENCY, async () => {
      const ua = browser(redirectUri);
      const { verifier, challenge } = pkce();
      const page = await ua.go(authorizeUrl(issuer, client.id, redirectUri, challenge));
      expectStatus(page, 200, 'sign-in page');
      const headers = { 'x-csrf-token': csrfOf(page.html) };
      const options = await ua.postJson(`${page.url}/passkey-sign-in/options`, {}, headers);
      expectStatus(options, 200, 'passkey options');
      const { challenge: webauthnChallenge } = options.body as { challenge: string };
      const credential = authenticator.assert(webauthnChallenge);
      const verified = await ua.postJson(`${page.url}/passkey-sign-in/verify`, { credential }, headers);
      expectStatus(verified, 200, 'passkey verify');
      const { redirect } = verified.body as { redirect: string };
      const code = codeAt(await ua.go(new URL(redirect, issuer).toString()), 'passkey redirect');
      const tokens = await redeem(issuer, client, code, verifier, redirectUri);
      const claims = JSON.parse(Buffer.from(tokens.id_token!.split('.')[1]!, 'base64url').toString()) as { acr?: string };
      if (claims.acr !== 'phr') throw new Error(`expected acr phr, got ${claims.acr}`);
    });
  } finally {
    await stop(server);
    await stores.close();
  }
}
