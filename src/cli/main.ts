import { Command } from 'commander';
import dotenv from 'dotenv';
import { ConfigError } from '../config/config.js';
import { AppError } from '../common/errors.js';
import { clientCommands } from './clients.js';
import { resourceCommands } from './resources.js';
import { serverCommands } from './server.js';
import { userCommands } from './users.js';
import { addKeysRotate } from './keys-rotate.js';
import { loadConfig, withDb } from './shared.js';

dotenv.config({ quiet: true });

/** The `latchkey` command: one module per command group. */
const program = new Command('latchkey').description('Latchkey OpenID Connect identity provider').showHelpAfterError();
serverCommands(program);
userCommands(program);
clientCommands(program);
resourceCommands(program);
addKeysRotate(program.command('keys').description('signing and cookie keys'), {
  get config() {
    return loadConfig();
  },
  withDb,
  out: (text) => process.stdout.write(text),
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Exposed messages are written for the person at the terminal; anything else is a
  // failure of Latchkey itself, printed whole for whoever debugs it.
  const shown = err instanceof ConfigError || (err instanceof AppError && err.expose);
  process.stderr.write(`latchkey: ${shown ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
}
