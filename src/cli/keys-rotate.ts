import type { Command } from 'commander';
import type { Config } from '../config/config.js';
import { AppError } from '../common/errors.js';
import { parseDuration } from '../common/duration.js';
import { DEFAULT_ACTIVATE_AFTER_SECONDS, METADATA_MAX_AGE_SECONDS, minimumActivateAfterSeconds, rotateKeys, rotationPolicy, type RotationResult } from '../provider/key-rotation.js';
import type { Db } from '../storage/db.js';
import { storeKeyEncryptionKey } from './store-key.js';

/** What `keys rotate` needs of the CLI: the config, the durable store, and where to write. */
export interface KeysRotateContext {
  readonly config: Config;
  withDb<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  out(text: string): void;
}


function view(result: RotationResult) {
  return {
    added: result.added.map((k) => ({ kid: k.kid, use: k.use, alg: k.alg, activates_at: k.activatesAt.toISOString() })),
    retiring: result.retiring.map((k) => ({ kid: k.kid, use: k.use, alg: k.alg, retires_at: k.retiresAt.toISOString() })),
  };
}

/**
 * `latchkey keys rotate [--activate-after 1h] [--json]`, added to the `keys` command
 * group given: new signing keys (ES256, RS256) and a new cookie key, published now and
 * signing after the delay; the keys they replace stay until their tokens and sessions
 * can no longer be presented (provider/key-rotation.ts). Running processes pick the
 * change up within LATCHKEY_KEY_RELOAD_SECONDS, no restart.
 */
export function addKeysRotate(keys: Command, ctx: KeysRotateContext): void {
  keys
    .command('rotate')
    .description('add new signing and cookie keys: published now, signing after --activate-after; the old ones retire when their tokens have expired')
    .option('--activate-after <duration>', 'how long the new keys are published before they sign (e.g. 1h, 90m)', `${DEFAULT_ACTIVATE_AFTER_SECONDS / 3600}h`)
    .option('--json', 'print JSON', false)
    .action(async (opts: { activateAfter: string; json: boolean }) => {
      const config = ctx.config;
      let activateAfterSeconds: number;
      try {
        activateAfterSeconds = parseDuration(opts.activateAfter);
      } catch (err) {
        throw new AppError('cli.usage', `--activate-after: ${(err as Error).message}`);
      }
      const minimum = minimumActivateAfterSeconds(config);
      if (activateAfterSeconds < minimum) {
        throw new AppError(
          'cli.usage',
          `--activate-after: at least ${minimum}s (relying parties may cache /jwks for ${METADATA_MAX_AGE_SECONDS}s, and processes read the keys every ${config.keyRotation.reloadSeconds}s)`,
        );
      }
      // The same key-encryption key the server uses, checked against the store's keys.
      const result = await ctx.withDb(async (db) => rotateKeys(db, await storeKeyEncryptionKey(config, db), new Date(), await rotationPolicy(db, config, activateAfterSeconds)));
      if (!result) throw new Error('rotation did not run');
      const shown = view(result);
      if (opts.json) return ctx.out(`${JSON.stringify(shown)}\n`);
      for (const k of shown.added) ctx.out(`added ${k.use === 'sig' ? `signing key ${k.kid} (${k.alg})` : `cookie key ${k.kid}`}: published now, signs from ${k.activates_at}\n`);
      for (const k of shown.retiring) ctx.out(`retiring ${k.use === 'sig' ? `signing key ${k.kid} (${k.alg})` : `cookie key ${k.kid}`} at ${k.retires_at}\n`);
    });
}
