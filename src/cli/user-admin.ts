import type { Command } from 'commander';
import { createAccountsRepo } from '../accounts/accounts-repo.js';
import { revokeByAccount } from '../adapters/revoke-by-account.js';
import { unlockSignIn } from '../accounts/unlock.js';
import { createAuditLog } from '../audit/audit-log.js';
import { systemClock } from '../common/clock.js';
import type { Db } from '../storage/db.js';
import type { CliContext } from './context.js';
import { printJson, UsageError } from './shared.js';
import { findAccount } from './users.js';

/**
 * Ends everything the account holds: sessions, grants and refresh tokens, and with the
 * grants its access tokens (oidc-provider loads the grant for userinfo and introspection).
 */
async function revokeAll(db: Db, accountId: string): Promise<void> {
  await revokeByAccount(db, accountId);
}

/** `latchkey user disable|enable|delete|unlock`. */
export function userAdminCommands(user: Command, ctx: CliContext): void {
  const change = (verb: string, description: string, run: (db: Db, accountId: string) => Promise<boolean>, refused: string) =>
    user
      .command(verb)
      .description(description)
      .argument('<account>', 'email address or sub')
      .option('--json', 'print JSON', false)
      .action(async (who: string, opts: { json: boolean }) => {
        const account = await ctx.withDb(async (db) => {
          const found = await findAccount(db, who);
          if (!(await run(db, found.id))) throw new UsageError(`${found.email} ${refused}`);
          await createAuditLog(db).record({ type: `account.${verb}d`, accountId: found.id, detail: { by: 'cli' } });
          return found;
        });
        if (opts.json) return printJson(ctx, { sub: account.id, email: account.email, done: verb });
        ctx.out(`${verb}d account ${account.email}\n`);
      });

  change(
    'disable',
    'disable an account: it cannot sign in, its sessions, grants and tokens end now, and its API keys stop until it is enabled',
    async (db, id) => {
      const done = await createAccountsRepo(db).setDisabled(id, systemClock());
      if (done) await revokeAll(db, id);
      return done;
    },
    'is already disabled',
  );
  change('enable', 'enable a disabled account', (db, id) => createAccountsRepo(db).setDisabled(id, null), 'is not disabled');
  change(
    'delete',
    'delete an account, its passkeys, sessions, grants and tokens',
    async (db, id) => {
      await revokeAll(db, id);
      return createAccountsRepo(db).remove(id);
    },
    'could not be deleted',
  );

  const role = (verb: 'grant-admin' | 'revoke-admin', admin: boolean) =>
    user
      .command(verb)
      .description(admin ? 'give an account the admin role (the admin console)' : 'take the admin role from an account')
      .argument('<account>', 'email address or sub')
      .option('--json', 'print JSON', false)
      .action(async (who: string, opts: { json: boolean }) => {
        const account = await ctx.withDb(async (db) => {
          const found = await findAccount(db, who);
          if (!(await createAccountsRepo(db).setAdmin(found.id, admin))) throw new UsageError(`${found.email} ${admin ? 'is already an admin' : 'is not an admin'}`);
          await createAuditLog(db).record({ type: admin ? 'account.admin_granted' : 'account.admin_revoked', accountId: found.id, detail: { by: 'cli' } });
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
