import type { Command } from 'commander';
import { createClientRegistry } from '../clients/registry.js';
import type { CliContext } from './context.js';
import { byIdCommand, collect, printJson, UsageError } from './shared.js';

/** `latchkey client update` and `client enable`. */
export function clientUpdateCommands(client: Command, ctx: CliContext): void {
  client
    .command('update')
    .description('change a client: name, redirect URIs, scopes (each given flag replaces what it had)')
    .argument('<id>', 'client id')
    .option('--name <name>', 'name shown to users')
    .option('--redirect-uri <uri>', 'redirect URI (repeat for several; replaces the list)', collect, [])
    .option('--post-logout-redirect-uri <uri>', 'post-logout redirect URI (repeat for several; replaces the list)', collect, [])
    .option('--scope <scope>', 'space-separated OpenID scopes the client may ask for')
    .option('--json', 'print the client as JSON', false)
    .action(async (id: string, opts: { name?: string; redirectUri: string[]; postLogoutRedirectUri: string[]; scope?: string; json: boolean }) => {
      const change = {
        ...(opts.name !== undefined ? { name: opts.name } : {}),
        ...(opts.redirectUri.length ? { redirectUris: opts.redirectUri } : {}),
        ...(opts.postLogoutRedirectUri.length ? { postLogoutRedirectUris: opts.postLogoutRedirectUri } : {}),
        ...(opts.scope !== undefined ? { scope: opts.scope.split(/\s+/).filter(Boolean).join(' ') } : {}),
      };
      if (!Object.keys(change).length) throw new UsageError('nothing to change: give --name, --redirect-uri, --post-logout-redirect-uri or --scope');
      const shown = await ctx.withDb(async (db) => {
        const registry = createClientRegistry(db);
        return (await registry.update(id, change)) ? registry.show(id) : undefined;
      });
      if (!shown) throw new UsageError(`no client with id ${id}`);
      if (opts.json) return printJson(ctx, shown);
      ctx.out(`updated client ${id}\n`);
    });
  byIdCommand(client, ctx, 'enable', 'enable a disabled client again', (db, id) => createClientRegistry(db).enable(id), {
    done: 'enabled client',
    missing: 'no disabled client with id',
    idKey: 'client_id',
  });
}
