import { after, before, describe } from 'node:test';
import { backends, type Backend, type OpenBackend } from '../../helpers/backends.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { relyingParty, type TestRp } from '../../helpers/rp.js';
import { UserAgent, type Reply } from '../../helpers/user-agent.js';

/**
 * The abuse-resistance setup, registered in the calling suite: one Latchkey with the
 * suite's settings (small budgets, a trusted proxy…), a first-party relying party and a
 * user. Tests that need other settings start a second Latchkey over `open`.
 */
function abuseSetup(backend: Backend, env: Record<string, string>) {
  let open: OpenBackend;
  let lk: TestLatchkey;
  let rp: TestRp;
  let alice: { id: string; email: string; password: string };

  before(async () => {
    open = await backend.open();
    lk = await startLatchkey(open, env);
    rp = await relyingParty(lk, await lk.createClient({ name: 'Notes' }));
    alice = await lk.createUser({ email: 'alice@example.com', name: 'Alice Example' });
  });
  after(async () => {
    await lk?.close();
    await open?.close();
  });

  return {
    /** The backend kind, to open stores of its own (counts not shared with the suite's Latchkey). */
    backend,
    get open() {
      return open;
    },
    get lk() {
      return lk;
    },
    get rp() {
      return rp;
    },
    get alice() {
      return alice;
    },
  };
}

export type AbuseSuite = ReturnType<typeof abuseSetup>;

/** A suite of abuse-resistance tests with these Latchkey settings, run once per backend. */
export function abuseSuite(name: string, env: Record<string, string>, fn: (s: AbuseSuite) => void): void {
  for (const backend of backends()) {
    describe(`${name} (${backend.name})`, () => fn(abuseSetup(backend, env)));
  }
}

/**
 * A browser whose every request carries these extra headers (`X-Forwarded-For`, as a
 * client would forge it, or as a proxy in front of Latchkey would set it); `headers`
 * is read per request, so a test can rotate it.
 */
export function userAgentWith(rp: TestRp, headers: () => Record<string, string>, seen?: (reply: Headers) => void): UserAgent {
  const target = new URL(rp.redirectUri);
  return new UserAgent(
    (u) => u.origin === target.origin && u.pathname === target.pathname,
    async (url, init): Promise<Reply> => {
      const res = await fetch(url, { ...init, headers: { ...init.headers, ...headers() }, redirect: 'manual' });
      seen?.(res.headers);
      return res;
    },
  );
}

/** The CSRF token a page hands its scripts. */
export function csrfOf(html: string): string {
  const token = /name="csrf-token" content="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error(`no csrf-token meta on the page\n${html.slice(0, 1000)}`);
  return token;
}

/** A suite that runs once, on stores it makes itself (an own redis-server…), named like the others. */
export function abuseSuiteName(name: string): string {
  return `${name} (own stores)`;
}
