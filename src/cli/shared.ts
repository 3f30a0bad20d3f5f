import type { Command } from 'commander';
import { parseDuration } from '../common/duration.js';
import type { Db } from '../storage/db.js';
import type { CliContext } from './context.js';
import { UsageError } from './usage-error.js';

export { UsageError };

export const collect = (value: string, previous: string[]) => [...previous, value];

export function durationOption(flag: string, value: string): number {
  try {
    return parseDuration(value);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
}

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
// Maps keyed by data (scope names, FIDO statuses), not by field names: their keys are left as they are.
const DATA_KEYED = new Set(['scope_descriptions', 'statuses']);

/** One key style for every `--json`: snake_case, as in OAuth and OIDC metadata. */
export function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => {
        const key = snake(k);
        return [key, DATA_KEYED.has(key) ? v : snakeKeys(v)];
      }),
    );
  }
  return value;
}

export function printJson(ctx: CliContext, value: unknown): void {
  ctx.out(`${JSON.stringify(snakeKeys(value))}\n`);
}

/** `GROUP list [--json]`: the whole list as one JSON value, else one tab-separated line per row. */
export function listCommand<T>(group: Command, ctx: CliContext, description: string, load: (db: Db) => Promise<T[]>, line: (row: T) => string[]): void {
  group
    .command('list')
    .description(description)
    .option('--json', 'print JSON', false)
    .action(async (opts: { json: boolean }) => {
      const rows = await ctx.withDb(load);
      if (opts.json) return printJson(ctx, rows);
      for (const row of rows) ctx.out(`${line(row).join('\t')}\n`);
    });
}

/** `GROUP VERB <id> [--json]`: one change to one thing, named by id; false from `run` means no such thing. */
export function byIdCommand(
  group: Command,
  ctx: CliContext,
  verb: string,
  description: string,
  run: (db: Db, id: string) => Promise<boolean>,
  say: { done: string; missing: string; idKey: string },
): void {
  group
    .command(verb)
    .description(description)
    .argument('<id>', 'id')
    .option('--json', 'print JSON', false)
    .action(async (id: string, opts: { json: boolean }) => {
      if (!(await ctx.withDb((db) => run(db, id)))) throw new UsageError(`${say.missing} ${id}`);
      if (opts.json) return printJson(ctx, { [say.idKey]: id, done: verb });
      ctx.out(`${say.done} ${id}\n`);
    });
}
