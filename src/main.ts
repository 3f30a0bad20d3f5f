import { createServer, type Server } from 'node:http';
import type { Config } from './config/config.js';
import type { Logger } from './common/logger.js';
import { createLatchkey } from './app.js';
import { openStores } from './storage/open.js';
import { seedDemo } from './demo/seed-demo.js';
import { startMetricsServer } from './ops/metrics-endpoint.js';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export interface Running {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/**
 * Composition root: config → stores → Latchkey → HTTP. The only place that picks
 * concrete backends; graceful shutdown on SIGTERM/SIGINT.
 */
export async function serve(config: Config, logger: Logger, options: { seedDemo?: boolean } = {}): Promise<Running> {
  const stores = await openStores(config);
  if (stores.createdKeyFile) {
    logger.warn(
      { path: stores.createdKeyFile },
      'generated a key-encryption key in the data directory; in production set LATCHKEY_KEY_ENCRYPTION_KEY instead',
    );
  }
  if (!config.databaseUrl) logger.warn('embedded storage (PGlite + memory): single process only; set DATABASE_URL and REDIS_URL for production');

  const latchkey = await createLatchkey(config, stores, logger);
  if (!config.mail.smtpUrl) logger.warn({ dir: `${config.dataDir}/mailbox` }, 'no LATCHKEY_SMTP_URL: mail is kept in the data directory, not sent');
  if (options.seedDemo) {
    const seeded = await seedDemo(stores.db);
    if (seeded) {
      // Printed, not logged: the demo password is shown once to the person at the terminal.
      process.stdout.write(
        `\nDemo data created (only because the store was empty):\n` +
          `  user:      ${seeded.email}\n  password:  ${seeded.password}\n` +
          `  client id: ${seeded.clientId} (public, PKCE; redirect URI http://localhost:3001/callback)\n` +
          `  discovery: ${config.issuer}/.well-known/openid-configuration\n\n`,
      );
    }
  }

  // Bound first: a busy metrics port stops start-up before the main port takes traffic.
  const metricsServer =
    config.metrics.port === undefined ? undefined : await startMetricsServer(latchkey.metrics, { host: config.host, port: config.metrics.port, token: config.metrics.token });
  if (metricsServer) {
    const bound = metricsServer.address();
    logger.info({ host: config.host, port: typeof bound === 'object' && bound ? bound.port : config.metrics.port }, 'metrics are served at /metrics');
  }
  const server = createServer(latchkey.app.callback());
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const sweeper = setInterval(() => {
    latchkey.sweep().then(
      (removed) => removed && logger.info({ removed }, 'expired entries swept'),
      (err: unknown) => logger.warn({ err }, 'sweep failed'),
    );
  }, config.sweepIntervalSeconds * 1000);
  sweeper.unref();

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ issuer: config.issuer, host: config.host, port }, 'Latchkey is listening');

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      for (const signal of SIGNALS) process.off(signal, onSignal);
      clearInterval(sweeper);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
      await latchkey.close();
      await stores.ephemeral.close();
      await stores.db.close();
    })());
  // Graceful shutdown: stop accepting, let requests in flight finish, close the stores.
  // Closing by hand (tests, embedding) removes these again.
  function onSignal(signal: NodeJS.Signals) {
    logger.info({ signal }, 'shutting down');
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  }
  for (const signal of SIGNALS) process.once(signal, onSignal);
  return { server, url: `http://${config.host}:${port}`, close };
}
