import type { Command } from 'commander';
import { createAccountsRepo, type Account } from '../accounts/accounts-repo.js';
import { revokeByAccount } from '../adapters/revoke-by-account.js';
import { unlockSignIn } from '../accounts/unlock.js';
import { createAuditLog } from '../audit/audit-log.js';
import { setUserAdmin, setUserDisabled } from '../admin/service/index.js';
import type { Db } from '../storage/db.js';
import { CLI_ACTOR, cliAdminDeps } from './admin-deps.js';
import type { CliContext } from './context.js';
import { printJson, UsageError } from './shared.js';
import { findAccount } from './users.js';

/** `latchkey user disable|enable|delete|unlock`. */
export function userAdminCommands(user: Command, ctx: CliContext): void {
  const change = (verb: string, description: string, run: (db: Db, account: Account) => Promise<void>) =>
    user
      .command(verb)
      .description(description)
      .argument('<account>', 'email address or sub')
      .option('--json', 'print JSON', false)
      .action(async (who: string, opts: { json: boolean }) => {
        const account = await ctx.withDb(async (db) => {
          const found = await findAccount(db, who);
          await run(db, found);
          return found;
        });
        if (opts.json) return printJson(ctx, { sub: account.id, email: account.email, done: verb });
        ctx.out(`${verb}d account ${account.email}\n`);
      });

  // The admin service (admin/service/users-write.ts) is the one implementation the console and API share.
  change('disable', 'disable an account: it cannot sign in, its sessions, grants and tokens end now, and its API keys stop until it is enabled', async (db, { id }) => {
    await setUserDisabled(cliAdminDeps(ctx, db), CLI_ACTOR, id, true);
  });
  change('enable', 'enable a disabled account', async (db, { id }) => {
    await setUserDisabled(cliAdminDeps(ctx, db), CLI_ACTOR, id, false);
  });
  // Deleting is the operator's alone (the console and API disable instead).
  change('delete', 'delete an account, its passkeys, sessions, grants and tokens', async (db, { id, email }) => {
    // Ends everything the account holds: sessions, grants and refresh tokens, and with the grants its access tokens.
    await revokeByAccount(db, id);
    if (!(await createAccountsRepo(db).remove(id))) throw new UsageError(`${email} could not be deleted`);
    await createAuditLog(db).record({ type: 'account.deleted', accountId: id, detail: { by: 'cli' } });
  });

  const role = (verb: 'grant-admin' | 'revoke-admin', admin: boolean) =>
    user
      .command(verb)
      .description(admin ? 'give an account the admin role (the admin console)' : 'take the admin role from an account')
      .argument('<account>', 'email address or sub')
      .option('--json', 'print JSON', false)
      .action(async (who: string, opts: { json: boolean }) => {
        const account = await ctx.withDb(async (db) => {
          const found = await findAccount(db, who);
          await setUserAdmin(cliAdminDeps(ctx, db), CLI_ACTOR, found.id, admin);
          return found;
        });
        if (opts.json) return printJson(ctx, { sub: account.id, email: account.email, admin });
        ctx.out(`${admin ? 'granted the admin role to' : 'revoked the admin role of'} ${account.email}\n`);
      });
  role('grant-admin', true);
  role('revoke-admin', false);

  user
    .command('unlock')
    .description('clear the failed sign-in counters of an email address (lifts a lockout)')
    .argument('<email>', 'email address')
    .option('--json', 'print JSON', false)
    .action(async (email: string, opts: { json: boolean }) => {
      if (!email.includes('@')) throw new UsageError(`${email} is not an email address`);
      await ctx.withStores((stores) => unlockSignIn(stores.ephemeral, ctx.config, email));
      if (opts.json) return printJson(ctx, { email, done: 'unlock' });
      ctx.out(`unlocked sign-in for ${email}\n`);
    });
}
