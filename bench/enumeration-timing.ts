/**
 * Known vs unknown email addresses, timed from outside (Postgres + Redis): a wrong
 * password at sign-in, the start of a sign-up, and a reset request. Each sample is a
 * fresh browser and a fresh address (no lockout, no slow-down kicks in), known and
 * unknown interleaved at random, one request at a time; only the form submission (and
 * the page it leads to) is timed. Measured, never asserted: it prints medians and p90s,
 * a Mann-Whitney U p-value, a bootstrap 95% interval of the median difference, and
 * "distinguishable: yes" when p < 0.01 and the interval excludes zero.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '../src/accounts/passwords.js';
import { createAccountsRepo } from '../src/accounts/accounts-repo.js';
import type { Page } from '../test/helpers/user-agent.js';
import { authorizeUrl, browser, expectStatus, pkce } from './browserless.js';
import { benchWebClient, freePort, freshStores, startLatchkey, stop } from './lib.js';
import { bootstrapMedianDiff, mannWhitneyP, quantile, sortNumbers } from './timing-stats.js';

const SAMPLES = Number(process.env.BENCH_TIMING_SAMPLES ?? 150);

interface Scenario {
  name: string;
  /** Submits the form for `email` from the sign-in page; resolves with the page it leads to. */
  submit(ua: ReturnType<typeof browser>, signInPage: Page, email: string): Promise<Page>;
}

const link = (page: Page, path: string) => new URL(new RegExp(`href="([^"]*/${path})"`).exec(page.html)![1]!, page.url).toString();

const SCENARIOS: Scenario[] = [
  { name: 'sign-in, wrong password', submit: (ua, page, email) => ua.submit(page, '/password', { email, password: 'not the right password at all' }) },
  { name: 'sign-up start', submit: async (ua, page, email) => ua.submit(await ua.go(link(page, 'sign-up')), '/sign-up', { email, name: 'Bench Person' }) },
  { name: 'reset request', submit: async (ua, page, email) => ua.submit(await ua.go(link(page, 'reset')), '/reset', { email }) },
];

type Kind = 'known' | 'unknown';

function shuffled<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

const ms = (v: number) => `${v.toFixed(1)} ms`;

export async function enumerationTimingBench(): Promise<void> {
  process.stdout.write(`\nKnown vs unknown email timing (Postgres + Redis), ${SAMPLES} samples each\n`);
  const stores = await freshStores();
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  const redirectUri = 'http://localhost:8099/callback';
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-bench-timing-'));
  const accounts = createAccountsRepo(stores.db);
  const passwordHash = await hashPassword('the real password of every bench account');
  const total = (SAMPLES + 2) * SCENARIOS.length;
  for (let i = 0; i < total; i++) await accounts.create({ email: `known${i}@example.com`, name: `Known ${i}`, passwordHash, emailVerified: true });
  const client = await benchWebClient(stores.db, redirectUri);
  // Every sample uses its own address, so per-address limits never act; the per-IP budget is lifted for the run.
  const server = await startLatchkey(stores, port, undefined, { LATCHKEY_SIGNUP: 'open', LATCHKEY_IP_FAILURE_LIMIT: '1000000', LATCHKEY_DATA_DIR: dataDir });
  let knownN = 0;
  let unknownN = 0;
  try {
    for (const scenario of SCENARIOS) {
      const times = { known: [] as number[], unknown: [] as number[] };
      const order = shuffled(Array.from({ length: SAMPLES * 2 }, (_, i): Kind => (i % 2 === 0 ? 'known' : 'unknown')));
      // A few untimed rounds first: JIT, connection pools, the dummy hash.
      for (const kind of ['known', 'unknown', 'known', 'unknown'] as const) order.unshift(kind);
      for (const [i, kind] of order.entries()) {
        const ua = browser(redirectUri);
        const page = await ua.go(authorizeUrl(issuer, client.id, redirectUri, pkce().challenge));
        expectStatus(page, 200, 'sign-in page');
        const email = kind === 'known' ? `known${knownN++}@example.com` : `unknown${unknownN++}@example.com`;
        const started = performance.now();
        const answer = await scenario.submit(ua, page, email);
        const elapsed = performance.now() - started;
        if (answer.status >= 500) throw new Error(`${scenario.name}: ${answer.status}`);
        if (i >= 4) times[kind].push(elapsed);
      }
      const k = sortNumbers(times.known);
      const u = sortNumbers(times.unknown);
      const p = mannWhitneyP(k, u);
      const [lo, hi] = bootstrapMedianDiff(k, u);
      const distinguishable = p < 0.01 && (lo > 0 || hi < 0);
      process.stdout.write(
        `  ${scenario.name.padEnd(26)} known median ${ms(quantile(k, 0.5))}, p90 ${ms(quantile(k, 0.9))}; ` +
          `unknown median ${ms(quantile(u, 0.5))}, p90 ${ms(quantile(u, 0.9))}\n` +
          `  ${''.padEnd(26)} median difference ${ms(quantile(k, 0.5) - quantile(u, 0.5))} (95% CI ${ms(lo)} … ${ms(hi)}), ` +
          `Mann-Whitney p = ${p.toPrecision(2)}; distinguishable: ${distinguishable ? 'yes' : 'no'}\n`,
      );
    }
  } finally {
    await stop(server);
    await stores.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
