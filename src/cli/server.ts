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

/** `latchkey serve` and `latchkey migrate`: run in a terminal only, never handed over the socket. */
export function serverCommands(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('run the HTTP server (migrates first)')
    .option('--seed-demo', 'create a demo user and client when the store is empty', false)
    .option('--demo-rp', 'also run the demo app (examples/demo-rp), on http://localhost:3001 unless --demo-port says otherwise', false)
    .option('--demo-port <port>', 'port of the demo app (default: LATCHKEY_DEMO_PORT, else 3001)')
    .action(async (opts: { seedDemo: boolean; demoRp: boolean; demoPort?: string }) => {
      const config = ctx.config;
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
