import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import dotenv from 'dotenv';
import { parseConfig, type Config } from '../config/config.js';
import { localContext } from './context.js';
import { describeFailure } from './failure.js';
import { buildProgram, runProgram, STORE_COMMANDS } from './program.js';
import { readPassword } from './prompt.js';
import { serverCommands } from './server.js';
import { handOver } from './socket-client.js';
import { socketPath } from './socket-protocol.js';
import { UsageError } from './usage-error.js';

dotenv.config({ quiet: true });

const argv = process.argv.slice(2);

/** `user create` and `user set-password` read a password when --password is not given. */
const readsPassword = (args: string[]) =>
  args[0] === 'user' && (args[1] === 'create' || args[1] === 'set-password') && !args.some((a) => a === '--password' || a.startsWith('--password='));

/**
 * A store command on embedded storage needs the store Latchkey runs on. A relative
 * LATCHKEY_DATA_DIR (the default is ./data) is read from the working directory, so the
 * command run from another directory, or on an empty volume, would silently make a new,
 * empty store there, and a client added to it would never reach the running server.
 * Only `serve` and `migrate` make a store. A path that is not a directory, or that this
 * user cannot read, goes on to the store's own one-line refusal (storage/data-dir-lock.ts).
 */
function requireStore(config: Config): void {
  if (config.databaseUrl) return;
  const where = isAbsolute(config.dataDir) ? config.dataDir : `${resolve(config.dataDir)} (LATCHKEY_DATA_DIR=${config.dataDir}, from the current directory)`;
  const hint = 'run this in the directory Latchkey runs in, or set LATCHKEY_DATA_DIR to the one it uses (latchkey migrate makes a new store)';
  // Undefined when nothing is there; null when it cannot be read, which the store reports itself.
  const look = (path: string) => {
    try {
      return statSync(path, { throwIfNoEntry: false });
    } catch {
      return null;
    }
  };
  const dir = look(config.dataDir);
  if (dir === undefined) throw new UsageError(`no data directory at ${where}: ${hint}`);
  // PG_VERSION is what initdb writes first (storage/pglite.ts pgliteDataExists).
  if (dir?.isDirectory() && look(join(config.dataDir, 'pglite', 'PG_VERSION')) === undefined) throw new UsageError(`no Latchkey store in ${where}: ${hint}`);
}

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
  const program = buildProgram(ctx, serverCommands);
  // Where a store command's action is about to run, however the command line is spelled
  // (`latchkey -- user list`, `-h` as an option's value). A command handed over above
  // found the running server's socket, so its store exists.
  program.hook('preAction', (_, action) => {
    let group = action;
    while (group.parent && group.parent !== program) group = group.parent;
    if (STORE_COMMANDS.has(group.name())) requireStore(ctx.config);
  });
  return runProgram(program, ctx, argv, (err) => (err instanceof Error ? (err.stack ?? err.message) : String(err)));
}

try {
  process.exitCode = await main();
} catch (err) {
  process.stderr.write(`latchkey: ${describeFailure(err) ?? (err instanceof Error ? err.message : String(err))}\n`);
  process.exitCode = 1;
}
