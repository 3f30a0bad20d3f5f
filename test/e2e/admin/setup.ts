import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { createAccountsRepo } from '../../../src/accounts/accounts-repo.js';
import { createPasskeysRepo } from '../../../src/passkeys/passkeys-repo.js';
import type { Backend, OpenBackend } from '../../helpers/backends.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';
import { isLoginPage, submitPassword } from '../../helpers/rp.js';
import { SoftwareAuthenticator } from '../../helpers/software-authenticator.js';
import { UserAgent, type Page } from '../../helpers/user-agent.js';

export const csrfOf = (page: Page) => /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1] ?? /name="csrf-token" content="([^"]+)"/.exec(page.html)![1]!;

/**
 * A browser whose redirect chains stop (status 0, the URL kept) at any path in
 * `stopAt`: '/admin/sign-in' shows that the console sent it to sign in, where a live
 * Latchkey session would otherwise carry it straight back in.
 */
export function consoleBrowser(): { ua: UserAgent; stopAt: Set<string> } {
  const stopAt = new Set<string>();
  return { ua: new UserAgent((u) => stopAt.has(u.pathname)), stopAt };
}

/** Whether `page` is where a browser stopped on its way to the console's sign-in. */
export const sentToSignIn = (page: Page) => page.status === 0 && new URL(page.url).pathname === '/admin/sign-in';

export interface Admin {
  email: string;
  password: string;
  id: string;
  authenticator: SoftwareAuthenticator;
}

/**
 * The admin console's shared setup, registered in the calling suite: one Latchkey on a
 * test clock (moved by `advance`) with `env` on top, and helpers to make admins and
 * sign them in over HTTP with a software passkey.
 */
export function adminSetup(backend: Backend, env: Record<string, string> = {}) {
  let open: OpenBackend;
  let lk: TestLatchkey;
  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);

  before(async () => {
    open = await backend.open();
    lk = await startLatchkey(open, env, { clock });
  });
  after(async () => {
    await lk?.close();
    await open?.close();
  });

  /** An account with the admin role (unless `admin: false`) and, unless `passkey: false`, a passkey. */
  async function makeUser(options: { admin?: boolean; passkey?: boolean; email?: string; name?: string } = {}): Promise<Admin> {
    const user = await lk.createUser({ ...(options.email ? { email: options.email } : {}), ...(options.name ? { name: options.name } : {}) });
    if (options.admin !== false) await createAccountsRepo(open.db).setAdmin(user.id, true);
    const authenticator = new SoftwareAuthenticator(new URL(lk.issuer).hostname, lk.issuer, user.id);
    if (options.passkey !== false) await authenticator.enrolIn(createPasskeysRepo(open.db));
    return { email: user.email, password: user.password, id: user.id, authenticator };
  }

  /**
   * Opens `path` of the console in `ua`: the console sends the browser to sign in, the
   * password is typed, then the passkey step-up the console asks for (skipped for an
   * account without a passkey, whose sign-in ends where it ends). Returns the last page.
   */
  async function signInToConsole(ua: UserAgent, who: Admin, path = '/admin/users'): Promise<Page> {
    let page = await ua.go(`${lk.issuer}${path}`);
    if (isLoginPage(page)) page = await submitPassword(ua, page, who);
    if (page.html.includes('data-step="step-up"')) page = await stepUp(ua, page, who);
    return page;
  }

  async function stepUp(ua: UserAgent, page: Page, who: Admin): Promise<Page> {
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(page.html)![1]!;
    const base = new URL(/data-passkey-base="([^"]+)"/.exec(page.html)![1]!, lk.issuer).toString();
    const options = await ua.postJson(`${base}/step-up/options`, {}, { 'x-csrf-token': csrf });
    assert.equal(options.status, 200, JSON.stringify(options.body));
    const verify = await ua.postJson(
      `${base}/step-up/verify`,
      { credential: who.authenticator.assert((options.body as { challenge: string }).challenge) },
      { 'x-csrf-token': csrf },
    );
    assert.equal(verify.status, 200, JSON.stringify(verify.body));
    return ua.go(new URL((verify.body as { redirect: string }).redirect, lk.issuer).toString());
  }

  return {
    get lk() {
      return lk;
    },
    get open() {
      return open;
    },
    advance(seconds: number) {
      offsetMs += seconds * 1000;
    },
    makeUser,
    signInToConsole,
    stepUp,
  };
}
