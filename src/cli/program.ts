import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { fromPackageRoot } from '../common/package-root.js';
import type { CliContext } from './context.js';
import { clientCommands } from './clients.js';
import { describeFailure } from './failure.js';
import { keyCommands } from './keys.js';
import { mdsCommands } from './mds.js';
import { resourceCommands } from './resources.js';
import { userCommands } from './users.js';

export const VERSION = (JSON.parse(readFileSync(fromPackageRoot('package.json'), 'utf8')) as { version: string }).version;

/** The command groups that work on the stores, and so may be handed to a running server. */
export const STORE_COMMANDS: ReadonlySet<string> = new Set(['user', 'client', 'resource', 'keys']);

/**
 * The `latchkey` program over one context. `serve` and `migrate` are added by the caller
 * in a terminal only: a running server never runs them for someone else.
 */
export function buildProgram(ctx: CliContext, extra: (program: Command, ctx: CliContext) => void = () => {}): Command {
  const program = new Command('latchkey')
    .description('Latchkey OpenID Connect identity provider')
    .version(VERSION, '-V, --version')
    .showHelpAfterError()
    // Set before the groups are added, so every subcommand inherits them: nothing calls
    // process.exit or writes to the process, which the socket server relies on.
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.out(s), writeErr: (s) => ctx.err(s) });
  extra(program, ctx);
  userCommands(program, ctx);
  clientCommands(program, ctx);
  resourceCommands(program, ctx);
  keyCommands(program, ctx);
  mdsCommands(program, ctx);
  return program;
}

/**
 * Runs one command line; the exit code. Errors go to `err` as one line: exposed
 * messages as they are, a failure of Latchkey itself through `unexpected`.
 */
export async function runProgram(program: Command, ctx: CliContext, argv: string[], unexpected: (err: unknown) => string): Promise<number> {
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    // Commander has already printed its own message (usage, help, version).
    if (err instanceof CommanderError) return err.exitCode;
    ctx.err(`latchkey: ${describeFailure(err) ?? unexpected(err)}\n`);
    return 1;
  }
}
