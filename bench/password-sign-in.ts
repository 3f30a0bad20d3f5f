/**
 * Full password sign-in on Postgres + Redis: authorize → sign-in page → POST the form →
 * code → token, each iteration a new browser (fresh cookie jar). Compared with raw
 * argon2id verifies/s measured in the same run, with the same concurrency.
 *
 * Fairness on a 2-core machine: the baseline runs in its own process using both cores
 * through libuv's threadpool, as the server does; during the sign-in phase the server
 * (its JS thread and the argon2 threadpool) shares those cores with this load generator,
 * whose own work (HTTP client, no crypto but PKCE) is part of what the ratio charges
 * to "the rest of the flow". Nothing is pinned here: argon2 needs both cores.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { hashPassword } from '../src/accounts/passwords.js';
import { createAccountsRepo } from '../src/accounts/accounts-repo.js';
import { authorizeUrl, browser, codeAt, expectStatus, pkce, redeem } from './browserless.js';
import { benchWebClient, freePort, freshStores, measure, ratioLine, ROOT, startLatchkey, stop } from './lib.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);

export async function passwordSignInBench(): Promise<void> {
  process.stdout.write('\nPassword sign-in (Postgres + Redis) vs raw argon2id\n');
  const baselineOut = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/argon2-baseline.ts', String(CONCURRENCY)], { cwd: ROOT });
  process.stdout.write(baselineOut.stdout.split('\n').filter((l) => !l.startsWith('RATE')).join('\n'));
  const baseline = Number(/RATE ([\d.]+)/.exec(baselineOut.stdout)![1]);

  const stores = await freshStores();
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  const redirectUri = 'http://localhost:8099/callback';
  const password = 'correct horse battery staple';
  const account = await createAccountsRepo(stores.db).create({ email: 'alice@example.com', name: 'Alice', passwordHash: await hashPassword(password) });
  await createAccountsRepo(stores.db).dismissPasskeyOffer(account.id, new Date());
  const client = await benchWebClient(stores.db, redirectUri);
  const server = await startLatchkey(stores, port);
  try {
    const rate = await measure('password sign-in, authorize → token', CONCURRENCY, async () => {
      const ua = browser(redirectUri);
      const { verifier, challenge } = pkce();
      const page = await ua.go(authorizeUrl(issuer, client.id, redirectUri, challenge));
      expectStatus(page, 200, 'sign-in page');
      const done = await ua.submit(page, '/password', { email: 'alice@example.com', password });
      const code = codeAt(done, 'sign-in form');
      await redeem(issuer, client, code, verifier, redirectUri);
    });
    process.stdout.write(ratioLine('sign-ins/s ÷ argon2id verifies/s', rate, baseline, 0.75));
  } finally {
    await stop(server);
    await stores.close();
  }
}
