import { randomBytes } from 'node:crypto';
import type { Db } from '../storage/db.js';
import { createAccountsRepo } from '../accounts/accounts-repo.js';
import { hashPassword } from '../accounts/passwords.js';
import { createClientRegistry } from '../clients/registry.js';

export const DEMO_EMAIL = 'alice@example.com';
export const DEMO_REDIRECT_URI = 'http://localhost:3001/callback';
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
export async function seedDemo(db: Db): Promise<DemoSeed | undefined> {
  const accounts = createAccountsRepo(db);
  const clients = createClientRegistry(db);
  if ((await accounts.count()) > 0 || (await clients.count()) > 0) return undefined;
  // 120 random bits as 20 characters: above the 15-character minimum of the password policy.
  const password = randomBytes(15).toString('base64url');
  await accounts.create({ email: DEMO_EMAIL, name: 'Alice Example', passwordHash: await hashPassword(password), emailVerified: true });
  const { clientId } = await clients.create({
    clientId: DEMO_CLIENT_ID,
    name: 'Latchkey demo app',
    redirectUris: [DEMO_REDIRECT_URI],
    postLogoutRedirectUris: ['http://localhost:3001/'],
    grantTypes: ['authorization_code', 'refresh_token'],
    scope: 'openid email profile offline_access',
    public: true,
    thirdParty: false,
  });
  return { email: DEMO_EMAIL, password, clientId };
}
