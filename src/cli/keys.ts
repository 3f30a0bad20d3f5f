import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { printJson } from './shared.js';

interface KeyRow {
  kid: string;
  alg: string;
  created_at: Date;
  retired_at: Date | null;
}

/** `latchkey keys list`: the signing keys, newest last; never a private part. */
export function keyCommands(program: Command, ctx: CliContext): void {
  const keys = program.command('keys').description('signing keys');
  keys
    .command('list')
    .description('list the signing keys (kid, algorithm, created, retired)')
    .option('--json', 'print JSON', false)
    .action(async (opts: { json: boolean }) => {
      const { rows } = await ctx.withDb((db) =>
        db.query<KeyRow>("SELECT kid, alg, created_at, retired_at FROM keys WHERE use = 'sig' ORDER BY created_at, kid"),
      );
      const view = rows.map((r) => ({ kid: r.kid, alg: r.alg, createdAt: r.created_at, retiredAt: r.retired_at }));
      if (opts.json) return printJson(ctx, view);
      const when = (d: Date | null) => (d ? d.toISOString() : '-');
      for (const k of view) ctx.out(`${[k.kid, k.alg, when(k.createdAt), k.retiredAt ? `retired ${when(k.retiredAt)}` : 'active'].join('\t')}\n`);
    });
}
