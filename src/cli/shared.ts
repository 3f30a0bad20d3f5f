import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseConfig, type Config } from '../config/config.js';
import { AppError } from '../common/errors.js';
import { parseDuration } from '../common/duration.js';
import { openDb } from '../storage/open.js';
import type { Db } from '../storage/db.js';

/** Bad flags or arguments: the message says which, and is printed as it is. */
export class UsageError extends AppError {
  constructor(message: string) {
    super('cli.usage', message);
  }
}

export function loadConfig(): Config {
  return parseConfig(process.env);
}

export async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDb(loadConfig());
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Reads a line from the terminal without echoing it (raw mode: no readline internals). */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    function onData(chunk: string) {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          done();
          return resolve(value);
        }
        if (ch === '\u0003') {
          done();
          return reject(new UsageError('cancelled'));
        }
        value = ch === '\u007f' || ch === '\b' ? [...value].slice(0, -1).join('') : value + ch;
      }
    }
    stdin.on('data', onData);
  });
}

/** The password from the flag, else a hidden prompt on a terminal, else stdin. */
export async function readPassword(flag: string | undefined): Promise<string> {
  if (flag !== undefined) return flag;
  if (!process.stdin.isTTY) return readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  return promptHidden('Password: ');
}

export const collect = (value: string, previous: string[]) => [...previous, value];

export function durationOption(flag: string, value: string): number {
  try {
    return parseDuration(value);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
}

/** `GROUP list [--json]`: the whole list as one JSON value, else one tab-separated line per row. */
export function listCommand<T>(group: Command, description: string, load: (db: Db) => Promise<T[]>, line: (row: T) => string[]): void {
  group
    .command('list')
    .description(description)
    .option('--json', 'print JSON', false)
    .action(async (opts: { json: boolean }) => {
      const rows = await withDb(load);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows)}\n`);
        return;
      }
      for (const row of rows) process.stdout.write(`${line(row).join('\t')}\n`);
    });
}

/** `GROUP VERB <id>`: one change to one thing, named by id; false from `run` means no such thing. */
export function byIdCommand(
  group: Command,
  verb: string,
  description: string,
  run: (db: Db, id: string) => Promise<boolean>,
  say: { done: string; missing: string },
): void {
  group
    .command(verb)
    .description(description)
    .argument('<id>', 'id')
    .action(async (id: string) => {
      if (!(await withDb((db) => run(db, id)))) throw new UsageError(`${say.missing} ${id}`);
      process.stdout.write(`${say.done} ${id}\n`);
    });
}
