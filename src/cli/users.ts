import type { Command } from 'commander';
import { createAccountsRepo, type Account } from '../accounts/accounts-repo.js';
import { hashPassword } from '../accounts/passwords.js';
import { checkNewPassword } from '../accounts/password-policy.js';
import type { Db } from '../storage/db.js';
import type { CliContext } from './context.js';
import { printJson, UsageError } from './shared.js';
import { userAdminCommands } from './user-admin.js';
import { canonicalEmail, looksLikeEmail } from '../accounts/email.js';
import { revokeByAccount } from '../adapters/revoke-by-account.js';
import { inviteUser } from './invite.js';
import { createUser } from '../admin/service/index.js';
import { CLI_ACTOR, cliAdminDeps } from './admin-deps.js';


/** An account named by its email address (any spelling) or its sub; disabled ones included. */
export async function findAccount(db: Db, who: string): Promise<Account> {
  const accounts = createAccountsRepo(db);
  const account = who.includes('@') ? await accounts.findByEmail(who, { includeDisabled: true }) : await accounts.findById(who, { includeDisabled: true });
  if (!account) throw new UsageError(`no account ${who}`);
  return account;
}

/** What the CLI shows of an account: never the password hash. */
export function accountView(a: Account) {
  return {
    sub: a.id,
    email: a.email,
    emailVerified: a.emailVerified,
    name: a.name,
    hasPassword: a.passwordHash !== null,
    createdAt: a.createdAt,
    disabledAt: a.disabledAt ?? null,
    admin: a.isAdmin ?? false,
  };
}

/** The password a command sets: from the flag, the prompt or stdin, checked against the policy. */
async function newPassword(ctx: CliContext, flag: string | undefined, person: { email: string; name: string }): Promise<string> {
  const password = await ctx.readPassword(flag);
  const problem = await checkNewPassword(password, person, ctx.config.passwordPolicy);
  if (problem) throw new UsageError(`password: ${problem}`);
  return password;
}

/** `latchkey user …` */
export function userCommands(program: Command, ctx: CliContext): void {
  const user = program.command('user').description('manage user accounts');
  user
    .command('create')
    .description('create an account (password from --password, the prompt, or stdin)')
    .requiredOption('--email <email>', 'email address (unique, case-insensitive)')
    .requiredOption('--name <name>', 'display name')
    .option('--password <password>', 'password (avoid: it stays in shell history)')
    .option('--email-verified', 'mark the email address as verified', false)
    .option('--invite', 'no password: mail a single-use link (24 hours) to create the first passkey, and print it', false)
    .option('--admin', 'give the account the admin role (the admin console)', false)
    .option('--json', 'print one JSON object', false)
    .action(async (opts: { email: string; name: string; password?: string; emailVerified: boolean; invite: boolean; admin: boolean; json: boolean }) => {
      if (!looksLikeEmail(canonicalEmail(opts.email))) throw new UsageError(`--email: ${opts.email} is not an email address`);
      if (opts.invite) return inviteUser(ctx, opts);
      const password = await newPassword(ctx, opts.password, opts);
      // The admin service (admin/service/users-write.ts): the console and API create accounts the same way.
      const { account } = await ctx.withDb((db) =>
        createUser(cliAdminDeps(ctx, db), CLI_ACTOR, { email: opts.email, name: opts.name, password, emailVerified: opts.emailVerified, admin: opts.admin }),
      );
      if (opts.json) return printJson(ctx, { sub: account.id, email: account.email, name: account.name, admin: account.isAdmin });
      ctx.out(`created ${account.isAdmin ? 'admin ' : ''}account ${account.email} (sub ${account.id})\n`);
    });
  user
    .command('list')
    .description('list accounts')
    .option('--json', 'print JSON', false)
    .action(async (opts: { json: boolean }) => {
      const rows = (await ctx.withDb((db) => createAccountsRepo(db).list())).map(accountView);
      if (opts.json) return printJson(ctx, rows);
      for (const a of rows) ctx.out(`${[a.sub, a.email, a.name, a.disabledAt ? 'disabled' : 'enabled'].join('\t')}\n`);
    });
  user
    .command('show')
    .description('show an account')
    .argument('<account>', 'email address or sub')
    .option('--json', 'print JSON', false)
    .action(async (who: string, opts: { json: boolean }) => {
      const { account, passkeys } = await ctx.withDb(async (db) => {
        const found = await findAccount(db, who);
        const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM passkeys WHERE account_id = $1', [found.id]);
        return { account: found, passkeys: rows[0]!.n };
      });
      const view = { ...accountView(account), passkeys };
      if (opts.json) return printJson(ctx, view);
      const when = (d: Date | null) => (d ? d.toISOString() : '-');
      ctx.out(
        `${view.sub}  ${view.email}${view.emailVerified ? ' (verified)' : ''}\n  name: ${view.name}\n  password: ${view.hasPassword ? 'yes' : 'no'}  passkeys: ${passkeys}\n` +
          `  created: ${when(view.createdAt)}  disabled: ${when(view.disabledAt)}  admin: ${view.admin ? 'yes' : 'no'}\n`,
      );
    });
  user
    .command('set-password')
    .description("set an account's password (from --password, the prompt, or stdin)")
    .argument('<account>', 'email address or sub')
    .option('--password <password>', 'password (avoid: it stays in shell history)')
    .option('--json', 'print JSON', false)
    .action(async (who: string, opts: { password?: string; json: boolean }) => {
      const account = await ctx.withDb((db) => findAccount(db, who));
      const passwordHash = await hashPassword(await newPassword(ctx, opts.password, account));
      // A password set for someone is a change: sessions and refresh tokens made with the old one end.
      await ctx.withDb(async (db) => {
        await createAccountsRepo(db).changePassword(account.id, passwordHash, new Date());
        await revokeByAccount(db, account.id);
      });
      if (opts.json) return printJson(ctx, { sub: account.id, email: account.email, done: 'set-password' });
      ctx.out(`set the password of ${account.email}\n`);
    });
  userAdminCommands(user, ctx);
}
