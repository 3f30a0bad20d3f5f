import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError } from './common/errors.js';
import type { Logger } from './common/logger.js';
import type { Config } from './config/config.js';
import { startMetricsServer } from './ops/metrics-endpoint.js';
import { clusterScrape } from './ops/metrics.js';
import { openDb } from './storage/open.js';
import { SHUTDOWN_MESSAGE } from './main.js';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
// A worker that keeps dying is not restarted for ever: more than this many exits within
// a minute stops the whole server (an operator must look), rather than spinning.
const RESTARTS_PER_MINUTE = 5;
const DRAIN_CUTOFF_MS = 15_000;

export const isClusterWorker = (): boolean => cluster.isWorker;
/** The first worker of a cluster, or a server that is not one (demo data is seeded by one process). */
export const isFirstWorker = (): boolean => !cluster.isWorker || cluster.worker?.id === 1;

function startFailure(message: string): AppError {
  return new AppError('server.workers', message, { status: 503, expose: true });
}

export interface RunningCluster {
  url: string;
  close(): Promise<void>;
}

/**
 * `latchkey serve --workers N`: the primary process of a node:cluster. It holds no
 * stores and serves no requests; the workers each run the whole of Latchkey (main.ts
 * serve) on the one port the primary shares out, as separate processes over the same
 * Postgres and Redis (README "Several processes"). The primary migrates once before
 * forking, restarts a worker that dies, serves the metrics port with every worker's
 * figures summed, and on SIGTERM asks each worker to drain and waits for them.
 */
export async function serveCluster(config: Config, logger: Logger, workers: number): Promise<RunningCluster> {
  if (!config.databaseUrl || !config.redisUrl) {
    throw startFailure(`${workers} workers need DATABASE_URL and REDIS_URL: embedded storage serves from one process`);
  }
  if (config.metrics.token && config.metrics.port === undefined) {
    throw startFailure('with several workers /metrics is served on LATCHKEY_METRICS_PORT (the primary sums every worker): set it');
  }
  // A database that cannot be reached stops start-up here, with one line, before any worker starts.
  await (await openDb(config)).close();
  let metricsServer: Server | undefined;
  if (config.metrics.port !== undefined) {
    metricsServer = await startMetricsServer(clusterScrape(), { host: config.host, port: config.metrics.port, token: config.metrics.token });
    const bound = metricsServer.address();
    logger.info({ host: config.host, port: typeof bound === 'object' && bound ? bound.port : config.metrics.port }, 'metrics of every worker are served at /metrics');
  }
  const stopMetrics = () => new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));

  let stopping = false;
  // Workers that serve: they drain on request. One still starting has served nothing and
  // may not hear a message yet (it is loading): a signal stops it.
  const serving = new Set<number>();
  cluster.on('listening', (worker) => serving.add(worker.id));
  const stopWorkers = async () => {
    stopping = true;
    await Promise.all(
      Object.values(cluster.workers ?? {}).map(async (worker) => {
        if (!worker || worker.isDead()) return;
        const exited = once(worker, 'exit');
        if (serving.has(worker.id) && worker.isConnected()) worker.send(SHUTDOWN_MESSAGE);
        else worker.process.kill('SIGTERM');
        const cutoff = setTimeout(() => worker.process.kill('SIGKILL'), DRAIN_CUTOFF_MS);
        await exited;
        clearTimeout(cutoff);
      }),
    );
  };

  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      let listening = 0;
      const onListening = (_worker: Worker, address: AddressInfo) => {
        listening += 1;
        if (listening === workers) {
          done();
          resolve(`http://${config.host}:${address.port}`);
        }
      };
      const onExit = (_worker: Worker, code: number | null, signal: string | null) => {
        done();
        reject(startFailure(`a worker stopped while starting (${signal ?? `exit code ${code}`}); its reason is above`));
      };
      const done = () => {
        cluster.off('listening', onListening);
        cluster.off('exit', onExit);
      };
      cluster.on('listening', onListening);
      cluster.on('exit', onExit);
      for (let i = 0; i < workers; i += 1) cluster.fork();
    });
  } catch (err) {
    await stopWorkers();
    await stopMetrics();
    throw err;
  }

  const exits: number[] = [];
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      for (const signal of SIGNALS) process.off(signal, onSignal);
      await stopWorkers();
      await stopMetrics();
    })());
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const now = Date.now();
    exits.push(now);
    while (exits.length && exits[0]! < now - 60_000) exits.shift();
    if (exits.length > RESTARTS_PER_MINUTE) {
      logger.fatal({ pid: worker.process.pid, code, signal }, 'workers keep stopping; shutting down');
      close().then(
        () => process.exit(1),
        () => process.exit(1),
      );
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'a worker stopped; starting another');
    cluster.fork();
  });
  function onSignal(signal: NodeJS.Signals) {
    logger.info({ signal }, 'shutting down');
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  }
  for (const signal of SIGNALS) process.once(signal, onSignal);
  logger.info({ workers, url }, 'Latchkey workers are listening');
  return { url, close };
}
