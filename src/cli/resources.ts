import { Option, type Command } from 'commander';
import { createResourcesRepo } from '../clients/resources-repo.js';
import { durationOption, listCommand, withDb } from './shared.js';

/** `latchkey resource …` */
export function resourceCommands(program: Command): void {
  const resource = program.command('resource').description('manage API resources (RFC 8707)');
  resource
    .command('create')
    .description('register an API that clients can request tokens for')
    .requiredOption('--indicator <url>', "resource indicator (absolute URI), the tokens' aud")
    .requiredOption('--scope <scopes>', 'space-separated scopes of this API')
    .option('--name <name>', 'display name')
    .addOption(new Option('--format <format>', 'access token format').choices(['jwt', 'opaque']).default('jwt'))
    .option('--ttl <duration>', 'access token lifetime', '10m')
    .option('--json', 'print JSON', false)
    .action(async (opts: { indicator: string; scope: string; name?: string; format: 'jwt' | 'opaque'; ttl: string; json: boolean }) => {
      const ttl = durationOption('--ttl', opts.ttl);
      const created = await withDb((db) =>
        createResourcesRepo(db).create({
          indicator: opts.indicator,
          scopes: opts.scope.split(/\s+/).filter(Boolean),
          tokenFormat: opts.format,
          accessTokenTtl: ttl,
          ...(opts.name ? { name: opts.name } : {}),
        }),
      );
      process.stdout.write(
        opts.json ? `${JSON.stringify(created)}\n` : `registered ${created.indicator} (${created.scopes.join(' ')}; ${created.tokenFormat} tokens)\n`,
      );
    });
  listCommand(
    resource,
    'list API resources',
    (db) => createResourcesRepo(db).list(),
    (r) => [r.indicator, r.name, r.scopes.join(' '), r.tokenFormat, `${r.accessTokenTtl}s`],
  );
}
