import type { Command } from 'commander';
import { createLogger } from '../common/logger.js';
import { migrate } from '../storage/migrate.js';
import { loadConfig, withDb } from './shared.js';

/** `latchkey serve` and `latchkey migrate`. */
export function serverCommands(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP server (migrates first)')
    .option('--seed-demo', 'create a demo user and client when the store is empty', false)
    .option('--demo-rp', 'also run the demo app (examples/demo-rp) on http://localhost:3001', false)
    .action(async (opts: { seedDemo: boolean; demoRp: boolean }) => {
      const config = loadConfig();
      const logger = createLogger(config.logLevel);
      const { serve } = await import('../main.js');
      const running = await serve(config, logger, { seedDemo: opts.seedDemo || config.seedDemo });
      process.stdout.write(`Latchkey is running at ${config.issuer} (listening on ${running.url})\n`);
      if (opts.demoRp) {
        const { startDemoRp } = await import('../../examples/demo-rp/app.js');
        const demo = await startDemoRp({ issuer: config.issuer, clientId: 'latchkey-demo', baseUrl: 'http://localhost:3001', port: 3001 });
        process.once('exit', () => demo.close());
        process.stdout.write('Demo app: http://localhost:3001 (sign in, then open its "sensitive" page, which needs a passkey)\n');
      }
    });

  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(async () => {
      await withDb(async (db) => {
        const applied = await migrate(db);
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
      });
    });
}
