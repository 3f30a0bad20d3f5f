import type { Command } from 'commander';
import type { CliContext } from './context.js';
import type { ResourceGrant } from '../clients/client-resources-repo.js';
import { grantClientResource, revokeClientResource } from '../admin/service/index.js';
import { CLI_ACTOR, cliAdminDeps } from './admin-deps.js';
import { collect, printJson, UsageError } from './shared.js';

const words = (value: string) => value.split(/\s+/).filter(Boolean);

/**
 * `--resource "URL SCOPE [SCOPE…]"` on `client create`: the indicator, then the scopes
 * granted on it, space-separated, since neither a URI (RFC 3986) nor a scope token
 * (RFC 6749 §3.3) can hold a space.
 */
export function parseResourceOption(value: string): ResourceGrant {
  const [indicator, ...scopes] = words(value);
  if (!indicator || !scopes.length) throw new UsageError(`--resource "${value}": give the resource indicator, then at least one scope`);
  return { indicator, scopes };
}

/** `latchkey client grant-resource` and `revoke-resource`: which APIs a client may get tokens for. */
export function clientResourceCommands(client: Command, ctx: CliContext): void {
  client
    .command('grant-resource')
    .description('let a client obtain tokens for an API with these scopes (replaces what it had there)')
    .argument('<id>', 'client id')
    .requiredOption('--resource <url>', 'resource indicator of a registered API')
    .requiredOption('--scope <scope>', 'a scope of that API (repeat, or space-separate, for several)', collect, [])
    .option('--json', 'print JSON', false)
    .action(async (id: string, opts: { resource: string; scope: string[]; json: boolean }) => {
      const grant = await ctx.withDb((db) => grantClientResource(cliAdminDeps(ctx, db), CLI_ACTOR, id, { indicator: opts.resource, scopes: opts.scope.flatMap(words) }));
      if (opts.json) return printJson(ctx, { client_id: id, resource: grant.indicator, scopes: grant.scopes });
      ctx.out(`granted ${grant.indicator} (${grant.scopes.join(' ')}) to client ${id}\n`);
    });
  client
    .command('revoke-resource')
    .description('stop a client obtaining new tokens for an API')
    .argument('<id>', 'client id')
    .requiredOption('--resource <url>', 'resource indicator')
    .option('--json', 'print JSON', false)
    .action(async (id: string, opts: { resource: string; json: boolean }) => {
      if (!(await ctx.withDb((db) => revokeClientResource(cliAdminDeps(ctx, db), CLI_ACTOR, id, opts.resource)))) {
        throw new UsageError(`client ${id} has no grant on ${opts.resource}`);
      }
      if (opts.json) return printJson(ctx, { client_id: id, resource: opts.resource, done: 'revoke-resource' });
      ctx.out(`revoked ${opts.resource} from client ${id}\n`);
    });
}
