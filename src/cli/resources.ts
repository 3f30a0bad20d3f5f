import { Option, type Command } from 'commander';
import type { CliContext } from './context.js';
import { createResourcesRepo } from '../clients/resources-repo.js';
import { createResource } from '../admin/service/index.js';
import { CLI_ACTOR, cliAdminDeps } from './admin-deps.js';
import { collect, durationOption, listCommand, printJson, UsageError } from './shared.js';

/** `--scope-description "scope=text"`: what the consent page says the scope allows. */
function scopeDescriptions(values: string[]): Record<string, string> {
  return Object.fromEntries(
    values.map((value) => {
      const eq = value.indexOf('=');
      if (eq < 1 || !value.slice(eq + 1).trim()) throw new UsageError(`--scope-description "${value}": write scope=text`);
      return [value.slice(0, eq), value.slice(eq + 1).trim()];
    }),
  );
}

/**
 * `--user-delegable [SCOPES]`: which scopes users may put on their own API keys; the
 * flag alone means every scope of the resource.
 */
function delegable(value: string | boolean | undefined, scopes: string[]): string[] | undefined {
  if (value === undefined || value === false) return undefined;
  return value === true ? scopes : value.split(/\s+/).filter(Boolean);
}

/** `latchkey resource …` */
export function resourceCommands(program: Command, ctx: CliContext): void {
  const resource = program.command('resource').description('manage API resources (RFC 8707)');
  resource
    .command('create')
    .description('register an API that clients can request tokens for')
    .requiredOption('--indicator <url>', "resource indicator (absolute URI), the tokens' aud")
    .requiredOption('--scope <scopes>', 'space-separated scopes of this API')
    .option('--name <name>', 'display name, shown on the consent page')
    .option('--scope-description <scope=text>', 'what a scope allows, shown on the consent page (repeat per scope)', collect, [])
    .addOption(new Option('--format <format>', 'access token format').choices(['jwt', 'opaque']).default('jwt'))
    .option('--ttl <duration>', 'access token lifetime', '10m')
    .option('--user-delegable [scopes]', 'users may put these scopes (default: all) on their own API keys')
    .option('--json', 'print JSON', false)
    .action(async (opts: { indicator: string; scope: string; scopeDescription: string[]; name?: string; format: 'jwt' | 'opaque'; ttl: string; userDelegable?: string | boolean; json: boolean }) => {
      const ttl = durationOption('--ttl', opts.ttl);
      const scopes = opts.scope.split(/\s+/).filter(Boolean);
      const userDelegableScopes = delegable(opts.userDelegable, scopes);
      const created = await ctx.withDb((db) =>
        createResource(cliAdminDeps(ctx, db), CLI_ACTOR, {
          indicator: opts.indicator,
          scopes,
          ...(userDelegableScopes ? { userDelegableScopes } : {}),
          scopeDescriptions: scopeDescriptions(opts.scopeDescription),
          tokenFormat: opts.format,
          accessTokenTtl: ttl,
          ...(opts.name ? { name: opts.name } : {}),
        }),
      );
      if (opts.json) return printJson(ctx, created);
      ctx.out(`registered ${created.indicator} (${created.scopes.join(' ')}; ${created.tokenFormat} tokens)\n`);
    });
  resource
    .command('update')
    .description('change which scopes of an API users may put on their own API keys')
    .argument('<indicator>', 'resource indicator')
    .option('--user-delegable [scopes]', 'these scopes (default: all); replaces the earlier choice')
    .option('--not-user-delegable', 'none: keys holding its scopes stop getting tokens for it', false)
    .option('--json', 'print JSON', false)
    .action(async (indicator: string, opts: { userDelegable?: string | boolean; notUserDelegable: boolean; json: boolean }) => {
      if ((opts.userDelegable === undefined) === !opts.notUserDelegable) throw new UsageError('give one of --user-delegable [scopes] or --not-user-delegable');
      const updated = await ctx.withDb(async (db) => {
        const repo = createResourcesRepo(db);
        const found = await repo.find(indicator);
        if (!found) throw new UsageError(`no resource ${indicator}`);
        return repo.setUserDelegable(indicator, delegable(opts.userDelegable, found.scopes) ?? []);
      });
      if (!updated) throw new UsageError(`no resource ${indicator}`);
      if (opts.json) return printJson(ctx, updated);
      ctx.out(`${indicator}: users may delegate ${updated.userDelegableScopes.join(' ') || 'nothing'}\n`);
    });
  listCommand(
    resource,
    ctx,
    'list API resources',
    (db) => createResourcesRepo(db).list(),
    (r) => [r.indicator, r.name, r.scopes.join(' '), r.tokenFormat, `${r.accessTokenTtl}s`, `user-delegable: ${r.userDelegableScopes.join(' ') || '-'}`],
  );
}
