import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import type { Config } from './config/config.js';
import type { Logger } from './common/logger.js';
import { listenOn } from './common/listen.js';
import { gracefulClose } from './http/graceful-close.js';
import { openStores, type Stores } from './storage/open.js';
import { alignDemoClient, seedDemo, type DemoSeed } from './demo/seed-demo.js';
import { startMetricsServer } from './ops/metrics-endpoint.js';
import { shareWithPrimary } from './ops/metrics.js';
import { preloadWebAuthn } from './passkeys/webauthn-library.js';

/** The primary's request to drain and stop (cluster.ts sends it; defined here, below cluster.ts). */
export const SHUTDOWN_MESSAGE = 'latchkey:shutdown';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export interface Running {
  server: Server;
  url: string;
  /** Set when `seedDemo` found an empty store and filled it. */
  seeded?: DemoSeed;
  close(): Promise<void>;
}

/**
 * Composition root: config → stores → Latchkey → HTTP. The only place that picks
 * concrete backends; graceful shutdown on SIGTERM/SIGINT. A failure to start closes
 * whatever was opened and rejects with a one-line reason (cli/failure.ts prints it).
 */
export interface ServeOptions {
  /** Seed a demo user and client when the store is empty. */
  seedDemo?: boolean;
  /** Where the demo app runs (npm start): the demo client's redirect URIs follow it. */
  demoBaseUrl?: string;
  /**
   * Embedded only: starts what lets the CLI hand commands to this process (cli/ passes
   * its socket server; main.ts sits below cli/ and does not import it).
   */
  cliSocket?: (stores: Stores) => Promise<{ close(): Promise<void> }>;
  /**
   * A worker of `latchkey serve --workers N` (cluster.ts): the primary serves the metrics
   * port (this process's figures go to it) and stops it with a message rather than a signal.
   */
  clusterWorker?: boolean;
}

export async function serve(config: Config, logger: Logger, options: ServeOptions = {}): Promise<Running> {
  // Whenever its event loop has nothing left to wait on, Node waits for every background
  // task of V8 to finish (NodePlatform::DrainTasks). While PGlite starts, those include
  // optimising compiles of its WebAssembly: 100-300 ms in which start-up stood still.
  // A handle held until the port is bound (or start-up fails) keeps the loop waiting on
  // it instead, and the compiles finish on other cores while start-up goes on.
  const awake = setInterval(() => {}, 2 ** 30);
  try {
    return await start(config, logger, options);
  } finally {
    clearInterval(awake);
  }
}

/** Once listening, the WebAuthn library is loaded (webauthn-library.ts), after a readiness probe's first answers. */
const PRELOAD_AFTER_MS = 2_000;

async function start(config: Config, logger: Logger, options: ServeOptions): Promise<Running> {
  // The embedded database starts (WebAssembly, compiled off the main thread) while the
  // application's modules load: a restart is ready sooner than doing one after the other.
  const app = import('./app.js');
  app.catch(() => {}); // awaited below; this only keeps a failed open from leaving it unhandled
  const stores = await openStores(config);
  const { createLatchkey } = await app;
  const closeStores = async () => {
    await stores.ephemeral.close();
    await stores.db.close();
  };
  if (stores.createdKeyFile) {
    logger.warn(
      { path: stores.createdKeyFile },
      'generated a key-encryption key in the data directory; in production set LATCHKEY_KEY_ENCRYPTION_KEY instead',
    );
  }
  if (stores.unpatchedClients) {
    logger.warn({ packages: stores.unpatchedClients }, 'store clients are installed without Latchkey\'s fix (patches/README.md): run `npx patch-package`, or every request with a store call is held in memory until a full collection');
  }
  if (!config.databaseUrl) logger.warn('embedded storage (PGlite + memory): single process only; set DATABASE_URL and REDIS_URL for production');

  let latchkey;
  try {
    latchkey = await createLatchkey(config, stores, logger);
  } catch (err) {
    await closeStores();
    throw err;
  }
  if (!config.mail.smtpUrl) logger.warn({ dir: `${config.dataDir}/mailbox` }, 'no LATCHKEY_SMTP_URL: mail is kept in the data directory, not sent');

  // Bound first: a busy metrics port stops start-up before the main port takes traffic.
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  try {
    if (options.clusterWorker) shareWithPrimary(latchkey.metrics);
    metricsServer =
      config.metrics.port === undefined || options.clusterWorker ? undefined : await startMetricsServer(latchkey.metrics, { host: config.host, port: config.metrics.port, token: config.metrics.token });
  } catch (err) {
    await latchkey.close();
    await closeStores();
    throw err;
  }
  if (metricsServer) {
    const bound = metricsServer.address();
    logger.info({ host: config.host, port: typeof bound === 'object' && bound ? bound.port : config.metrics.port }, 'metrics are served at /metrics');
  }
  const stopMetrics = () => new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));

  const server = createServer(latchkey.handler);
  server.keepAliveTimeout = 65_000;
  const stopServer = gracefulClose(server);
  try {
    await listenOn(server, config.host, config.port, 'PORT');
  } catch (err) {
    await stopMetrics();
    await latchkey.close();
    await closeStores();
    throw err;
  }
  const sweeper = setInterval(() => {
    latchkey.sweep().then(
      (removed) => removed && logger.info({ removed }, 'expired entries swept'),
      (err: unknown) => logger.warn({ err }, 'sweep failed'),
    );
  }, config.sweepIntervalSeconds * 1000);
  sweeper.unref();

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // The data directory in full: the CLI beside this server must be pointed at the same one.
  const dataDir = config.databaseUrl ? undefined : resolve(config.dataDir);
  logger.info({ issuer: config.issuer, host: config.host, port, ...(dataDir ? { dataDir } : {}) }, 'Latchkey is listening');
  // Left out of start-up so that nothing queues behind it (loading modules holds the main
  // thread), then loaded soon so the first passkey ceremony does not wait for it either.
  const preload = setTimeout(() => {
    preloadWebAuthn().catch((err: unknown) => logger.warn({ err }, 'could not load the WebAuthn library; the first passkey ceremony tries again'));
  }, PRELOAD_AFTER_MS);
  preload.unref();

  let cli: { close(): Promise<void> } | undefined;
  let seeded: DemoSeed | undefined;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      for (const signal of SIGNALS) process.off(signal, onSignal);
      process.off('message', onMessage);
      clearInterval(sweeper);
      clearTimeout(preload);
      // Stop accepting; requests and CLI commands in flight finish (each cut off after
      // 10 s, together, within a container's usual grace), then the stores close.
      await Promise.all([stopServer(10_000), stopMetrics(), cli?.close()]);
      await latchkey.close();
      await closeStores();
    })());
  try {
    // Embedded storage is single-process: the CLI hands its commands to this process.
    if (!config.databaseUrl && options.cliSocket) {
      cli = await options.cliSocket(stores).catch((err: unknown) => {
        logger.warn({ err }, 'could not open the CLI socket in the data directory: stop Latchkey to run CLI commands');
        return undefined;
      });
    }
    // Seeded only once the port is ours: a start that fails leaves the store as it was.
    seeded = options.seedDemo ? await seedDemo(stores.db, options.demoBaseUrl) : undefined;
    if (options.demoBaseUrl) await alignDemoClient(stores.db, options.demoBaseUrl);
  } catch (err) {
    await close();
    throw err;
  }
  function onSignal(signal: NodeJS.Signals) {
    logger.info({ signal }, 'shutting down');
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  }
  function onMessage(message: unknown) {
    if (message === SHUTDOWN_MESSAGE) onSignal('SIGTERM');
  }
  // Closing by hand (tests, embedding) removes these again.
  for (const signal of SIGNALS) process.once(signal, onSignal);
  if (options.clusterWorker) process.on('message', onMessage);
  return { server, url: `http://${config.host}:${port}`, ...(seeded ? { seeded } : {}), close };
}
