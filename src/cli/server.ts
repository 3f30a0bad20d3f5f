import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { createLogger } from '../common/logger.js';
import { migrate } from '../storage/migrate.js';
import type { CliContext } from './context.js';
import { demoBaseUrl, startDemo } from './demo.js';
import { printJson, UsageError } from './shared.js';
import { listenForCli } from './socket-server.js';

function portOption(value: string, source: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`${source}: ${value} is not a port (1-65535)`);
  return port;
}

function workersOption(value: string): number {
  if (value === 'auto') return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new UsageError(`--workers: ${value} is not a number of workers (1-256) or "auto"`);
  return n;
}

/** `latchkey serve` and `latchkey migrate`: run in a terminal only, never handed over the socket. */
export function serverCommands(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('run the HTTP server (migrates first)')
    .option('--seed-demo', 'create a demo user and client when the store is empty', false)
    .option('--demo-rp', 'also run the demo app (examples/demo-rp), on http://localhost:3001 unless --demo-port says otherwise', false)
    .option('--demo-port <port>', 'port of the demo app (default: LATCHKEY_DEMO_PORT, else 3001)')
    .option('--workers <n>', 'worker processes on the one port, a number or "auto" (one per core; default: LATCHKEY_WORKERS, else 1)')
    .action(async (opts: { seedDemo: boolean; demoRp: boolean; demoPort?: string; workers?: string }) => {
      const config = ctx.config;
      const workers = opts.workers === undefined ? config.workers : workersOption(opts.workers);
      const { isClusterWorker, isFirstWorker, serveCluster } = await import('../cluster.js');
      if (workers > 1 && !isClusterWorker()) {
        if (opts.demoRp) throw new UsageError('--demo-rp runs the demo app in this process: leave out --workers (or set LATCHKEY_WORKERS=1)');
        const running = await serveCluster(config, createLogger(config.logLevel), workers);
        ctx.out(`Latchkey is running at ${config.issuer} (${workers} workers listening on ${running.url})\n`);
        return;
      }
      if (isClusterWorker()) {
        // One of the primary's workers: it prints nothing of its own, and only the first seeds demo data.
        const { serve, SHUTDOWN_MESSAGE } = await import('../main.js');
        // The primary may ask it to stop while it is still starting: remembered, then done once it can drain.
        let stopAsked = false;
        const early = (message: unknown) => void (message === SHUTDOWN_MESSAGE && (stopAsked = true));
        process.on('message', early);
        try {
          const running = await serve(config, createLogger(config.logLevel), { seedDemo: (opts.seedDemo || config.seedDemo) && isFirstWorker(), clusterWorker: true });
          if (stopAsked) await running.close().then(() => process.exit(0));
        } finally {
          // A listener would keep a worker that failed to start alive.
          process.off('message', early);
        }
        return;
      }
      const demoPort = opts.demoPort
        ? portOption(opts.demoPort, '--demo-port')
        : portOption(process.env.LATCHKEY_DEMO_PORT || '3001', 'LATCHKEY_DEMO_PORT');
      const logger = createLogger(config.logLevel);
      const { serve } = await import('../main.js');
      const running = await serve(config, logger, {
        seedDemo: opts.seedDemo || config.seedDemo,
        ...(opts.demoRp ? { demoBaseUrl: demoBaseUrl(demoPort) } : {}),
        cliSocket: (stores) => listenForCli(config, stores, logger),
      });
      if (running.seeded) {
        // Printed, not logged: the demo password is shown once to the person at the terminal.
        ctx.out(
          `\nDemo data created (only because the store was empty):\n` +
            `  user:      ${running.seeded.email}\n  password:  ${running.seeded.password}\n` +
            `  client id: ${running.seeded.clientId} (public, PKCE)\n` +
            `  discovery: ${config.issuer}/.well-known/openid-configuration\n\n`,
        );
      }
      ctx.out(`Latchkey is running at ${config.issuer} (listening on ${running.url})\n`);
      if (opts.demoRp) await startDemo(config, demoPort, ctx);
    });

  program
    .command('migrate')
    .description('apply pending database migrations')
    .option('--json', 'print JSON', false)
    .action(async (opts: { json: boolean }) => {
      const applied = await ctx.withDb((db) => migrate(db));
      if (opts.json) return printJson(ctx, { applied });
      ctx.out(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    });
}
