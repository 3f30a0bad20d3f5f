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
    .option('--json', 'print JSON', false)
    .action(async (opts: { indicator: string; scope: string; scopeDescription: string[]; name?: string; format: 'jwt' | 'opaque'; ttl: string; json: boolean }) => {
      const ttl = durationOption('--ttl', opts.ttl);
      const created = await ctx.withDb((db) =>
        createResource(cliAdminDeps(ctx, db), CLI_ACTOR, {
          indicator: opts.indicator,
          scopes: opts.scope.split(/\s+/).filter(Boolean),
          scopeDescriptions: scopeDescriptions(opts.scopeDescription),
          tokenFormat: opts.format,
          accessTokenTtl: ttl,
          ...(opts.name ? { name: opts.name } : {}),
        }),
      );
      if (opts.json) return printJson(ctx, created);
      ctx.out(`registered ${created.indicator} (${created.scopes.join(' ')}; ${created.tokenFormat} tokens)\n`);
    });
  listCommand(
    resource,
    ctx,
    'list API resources',
    (db) => createResourcesRepo(db).list(),
    (r) => [r.indicator, r.name, r.scopes.join(' '), r.tokenFormat, `${r.accessTokenTtl}s`],
  );
}
