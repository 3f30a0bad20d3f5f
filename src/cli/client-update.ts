import type { Command } from 'commander';
import { createClientRegistry } from '../clients/registry.js';
import type { CliContext } from './context.js';
import { editClient, setClientDisabled } from '../admin/service/index.js';
import { CLI_ACTOR, cliAdminDeps } from './admin-deps.js';
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
      // The admin service (admin/service/clients.ts), as the console and API edit clients.
      const shown = await ctx.withDb(async (db) => {
        await editClient(cliAdminDeps(ctx, db), CLI_ACTOR, id, change);
        return createClientRegistry(db).show(id);
      });
      if (opts.json) return printJson(ctx, shown);
      ctx.out(`updated client ${id}\n`);
    });
  byIdCommand(client, ctx, 'enable', 'enable a disabled client again', (db, id) => setClientDisabled(cliAdminDeps(ctx, db), CLI_ACTOR, id, false), {
    done: 'enabled client',
    missing: 'no disabled client with id',
    idKey: 'client_id',
  });
}
