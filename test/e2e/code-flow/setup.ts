import { after, before, describe } from 'node:test';
import { backends, type Backend, type OpenBackend } from '../../helpers/backends.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { relyingParty, type TestRp } from '../../helpers/rp.js';

/**
 * The code flow's shared setup, registered in the calling suite: one Latchkey (a low
 * lockout threshold, so the lockout test stays short), two first-party relying parties
 * and a user.
 */
function codeFlowSetup(backend: Backend) {
  let open: OpenBackend;
  let lk: TestLatchkey;
  let rp: TestRp;
  let other: TestRp;
  let alice: { id: string; email: string; password: string };

  before(async () => {
    open = await backend.open();
    lk = await startLatchkey(open, { LATCHKEY_LOCKOUT_ATTEMPTS: '4' });
    rp = await relyingParty(lk, await lk.createClient({ name: 'Notes' }));
    other = await relyingParty(lk, await lk.createClient({ name: 'Calendar', redirectUris: ['http://localhost:8090/cb'] }));
    alice = await lk.createUser({ email: 'alice@example.com', name: 'Alice Example' });
  });
  after(async () => {
    await lk?.close();
    await open?.close();
  });

  return {
    /** The stores under this Latchkey, for reading what it recorded (audit events). */
    get open() {
      return open;
    },
    get lk() {
      return lk;
    },
    /** The relying party the tests sign in to. */
    get rp() {
      return rp;
    },
    /** Another client of the same Latchkey, for cross-client checks. */
    get other() {
      return other;
    },
    get alice() {
      return alice;
    },
  };
}

export type CodeFlowSuite = ReturnType<typeof codeFlowSetup>;

/** A suite of code-flow tests, run once per backend. */
export function codeFlowSuite(name: string, fn: (s: CodeFlowSuite) => void): void {
  for (const backend of backends()) {
    describe(`${name} (${backend.name})`, () => fn(codeFlowSetup(backend)));
  }
}
