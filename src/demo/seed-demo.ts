import { randomBytes } from 'node:crypto';
import type { Db } from '../storage/db.js';
import { createAccountsRepo } from '../accounts/accounts-repo.js';
import { hashPassword } from '../accounts/passwords.js';
import { createClientRegistry } from '../clients/registry.js';

export const DEMO_EMAIL = 'alice@example.com';
/** Where the demo app runs unless LATCHKEY_DEMO_PORT or --demo-port say otherwise. */
export const DEMO_BASE_URL = 'http://localhost:3001';
/** Fixed so the demo app (examples/demo-rp) works with no configuration. */
export const DEMO_CLIENT_ID = 'latchkey-demo';

export interface DemoSeed {
  email: string;
  password: string;
  clientId: string;
}

/**
 * A demo user and a public demo client, only when the store has neither: a new clone
 * can sign in at once. The password is random and printed once, never a known default.
 */
export async function seedDemo(db: Db, demoBaseUrl = DEMO_BASE_URL): Promise<DemoSeed | undefined> {
  const accounts = createAccountsRepo(db);
  const clients = createClientRegistry(db);
  if ((await accounts.count()) > 0 || (await clients.count()) > 0) return undefined;
  // 120 random bits as 20 characters: above the 15-character minimum of the password policy.
  const password = randomBytes(15).toString('base64url');
  await accounts.create({ email: DEMO_EMAIL, name: 'Alice Example', passwordHash: await hashPassword(password), emailVerified: true });
  const { clientId } = await clients.create({
    clientId: DEMO_CLIENT_ID,
    name: 'Latchkey demo app',
    redirectUris: [`${demoBaseUrl}/callback`],
    postLogoutRedirectUris: [`${demoBaseUrl}/`],
    grantTypes: ['authorization_code', 'refresh_token'],
    scope: 'openid email profile offline_access',
    public: true,
    thirdParty: false,
  });
  return { email: DEMO_EMAIL, password, clientId };
}

/**
 * The demo client follows the demo app when it moves to another port: its redirect URIs
 * are set to the app's, so a changed LATCHKEY_DEMO_PORT needs nothing else.
 */
export async function alignDemoClient(db: Db, demoBaseUrl: string): Promise<void> {
  const clients = createClientRegistry(db);
  const shown = await clients.show(DEMO_CLIENT_ID);
  const redirectUri = `${demoBaseUrl}/callback`;
  if (!shown || (shown.redirectUris.length === 1 && shown.redirectUris[0] === redirectUri)) return;
  await clients.update(DEMO_CLIENT_ID, { redirectUris: [redirectUri], postLogoutRedirectUris: [`${demoBaseUrl}/`] });
}
