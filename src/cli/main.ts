import { existsSync } from 'node:fs';
import dotenv from 'dotenv';
import { parseConfig } from '../config/config.js';
import { localContext } from './context.js';
import { describeFailure } from './failure.js';
import { buildProgram, runProgram, STORE_COMMANDS } from './program.js';
import { readPassword } from './prompt.js';
import { serverCommands } from './server.js';
import { handOver } from './socket-client.js';
import { socketPath } from './socket-protocol.js';

dotenv.config({ quiet: true });

const argv = process.argv.slice(2);

/** `user create` and `user set-password` read a password when --password is not given. */
const readsPassword = (args: string[]) =>
  args[0] === 'user' && (args[1] === 'create' || args[1] === 'set-password') && !args.some((a) => a === '--password' || a.startsWith('--password='));

/**
 * Embedded storage is single-process: while Latchkey runs, a store command is handed to
 * it over the data directory's socket and runs there; otherwise it runs here.
 */
async function main(): Promise<number> {
  let password: string | undefined;
  if (STORE_COMMANDS.has(argv[0] ?? '') && !argv.includes('--help') && !argv.includes('-h')) {
    const config = parseConfig(process.env);
    const path = socketPath(config.dataDir);
    if (!config.databaseUrl && existsSync(path)) {
      if (readsPassword(argv)) password = await readPassword(undefined);
      const reply = await handOver(path, argv, password);
      if (reply) {
        process.stdout.write(reply.stdout);
        process.stderr.write(reply.stderr);
        return reply.code;
      }
    }
  }
  const local = localContext();
  const ctx = password === undefined ? local : { ...local, config: local.config, readPassword: async (flag: string | undefined) => flag ?? password! };
  return runProgram(buildProgram(ctx, serverCommands), ctx, argv, (err) => (err instanceof Error ? (err.stack ?? err.message) : String(err)));
}

try {
  process.exitCode = await main();
} catch (err) {
  process.stderr.write(`latchkey: ${describeFailure(err) ?? (err instanceof Error ? err.message : String(err))}\n`);
  process.exitCode = 1;
}
