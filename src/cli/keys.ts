import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { addKeysRotate } from './keys-rotate.js';
import { printJson } from './shared.js';

interface KeyRow {
  kid: string;
  use: string;
  alg: string | null;
  created_at: Date;
  activates_at: Date | null;
  retired_at: Date | null;
}

/** `latchkey keys list|rotate`: the signing and cookie keys (never a private part), and their rotation. */
export function keyCommands(program: Command, ctx: CliContext): void {
  const keys = program.command('keys').description('signing and cookie keys');
  keys
    .command('list')
    .description('list the keys: kid, use, algorithm, created, and when each signs or retires')
    .option('--json', 'print JSON', false)
    .action(async (opts: { json: boolean }) => {
      const { rows } = await ctx.withDb((db) =>
        db.query<KeyRow>('SELECT kid, use, alg, created_at, activates_at, retired_at FROM keys ORDER BY use DESC, created_at, kid'),
      );
      const view = rows.map((r) => ({ kid: r.kid, use: r.use, alg: r.alg, createdAt: r.created_at, activatesAt: r.activates_at, retiredAt: r.retired_at }));
      if (opts.json) return printJson(ctx, view);
      const now = Date.now();
      const state = (k: (typeof view)[number]) => {
        // A retirement in the future is scheduled by a rotation: the key still verifies until then.
        if (k.retiredAt) return k.retiredAt.getTime() <= now ? `retired ${k.retiredAt.toISOString()}` : `retires ${k.retiredAt.toISOString()}`;
        if (k.activatesAt && k.activatesAt.getTime() > now) return `published, signs from ${k.activatesAt.toISOString()}`;
        return 'active';
      };
      for (const k of view) ctx.out(`${[k.kid, k.use, k.alg ?? '-', k.createdAt.toISOString(), state(k)].join('\t')}\n`);
    });
  addKeysRotate(keys, ctx);
}
