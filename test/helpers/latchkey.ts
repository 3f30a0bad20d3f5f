import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConfig, type Config } from '../../src/config/config.js';
import { createLogger } from '../../src/common/logger.js';
import { createLatchkey } from '../../src/app.js';
import { createAccountsRepo, type Account } from '../../src/accounts/accounts-repo.js';
import { hashPassword } from '../../src/accounts/passwords.js';
import type { ClientInput } from '../../src/clients/metadata.js';
import { createClientRegistry } from '../../src/clients/registry.js';
import type { Mailer } from '../../src/mail/mailer.js';
import type { Metrics } from '../../src/ops/metrics.js';
import type { Db } from '../../src/storage/db.js';
import type { OpenBackend } from './backends.js';

export interface TestLatchkey {
  issuer: string;
  config: Config;
  backend: OpenBackend;
  createUser(input?: { email?: string; password?: string; name?: string }): Promise<Account & { password: string }>;
  createClient(input?: Partial<ClientInput>): Promise<{ clientId: string; clientSecret: string | undefined; redirectUri: string }>;
  /** Writes batched last-used times now. */
  flush(): Promise<void>;
  mailer: Mailer;
  /** This Latchkey's metrics (its own Prometheus registry). */
  metrics: Metrics;
  /** Reads the keys table now, as each process does every LATCHKEY_KEY_RELOAD_SECONDS. */
  refreshKeys(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * An in-process Latchkey on http://localhost:<free port> over an open backend. The
 * port is known before the issuer is fixed, by listening first.
 */
export async function startLatchkey(
  backend: OpenBackend,
  env: Record<string, string> = {},
  options: { clock?: () => Date; port?: number } = {},
): Promise<TestLatchkey> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://localhost:${port}`;
  const config = parseConfig({
    LATCHKEY_ISSUER: issuer,
    LATCHKEY_DATA_DIR: backend.dataDir,
    LATCHKEY_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Tests change clients under a running Latchkey and expect the change at once.
    LATCHKEY_CLIENT_CACHE_SECONDS: '0',
    ...env,
  });
  const logger = createLogger(config.logLevel);
  const latchkey = await createLatchkey(
    config,
    { db: backend.db, ephemeral: backend.ephemeral, keyEncryptionKey: backend.keyEncryptionKey },
    logger,
    options.clock ? { clock: options.clock } : {},
  );
  server.on('request', latchkey.handler);

  return {
    issuer,
    config,
    backend,
    ...seeders(backend.db),
    flush: () => latchkey.flush(),
    mailer: latchkey.mailer,
    metrics: latchkey.metrics,
    refreshKeys: () => latchkey.refreshKeys(),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await latchkey.close();
    },
  };
}

/** Accounts (with their passwords) and web clients written straight to a store, for tests. */
export function seeders(db: Db): Pick<TestLatchkey, 'createUser' | 'createClient'> {
  const accounts = createAccountsRepo(db);
  const clients = createClientRegistry(db);
  let n = 0;
  return {
    async createUser(input = {}) {
      n += 1;
      const password = input.password ?? `correct horse ${randomBytes(4).toString('hex')}`;
      const account = await accounts.create({
        email: input.email ?? `user${n}-${randomBytes(3).toString('hex')}@example.com`,
        name: input.name ?? `Test User ${n}`,
        passwordHash: await hashPassword(password),
        emailVerified: true,
      });
      return { ...account, password };
    },
    async createClient(input = {}) {
      const redirectUri = input.redirectUris?.[0] ?? 'http://localhost:8089/callback';
      const created = await clients.create({
        name: 'Test App',
        redirectUris: [redirectUri],
        postLogoutRedirectUris: ['http://localhost:8089/signed-out'],
        grantTypes: ['authorization_code', 'refresh_token'],
        scope: 'openid email profile offline_access',
        public: false,
        thirdParty: false,
        ...input,
      });
      return { clientId: created.clientId, clientSecret: created.clientSecret, redirectUri };
    },
  };
}
