import type { Command } from 'commander';
import { createAccountsRepo } from '../accounts/accounts-repo.js';
import { hashPassword } from '../accounts/passwords.js';
import { checkNewPassword } from '../accounts/password-policy.js';
import { loadConfig, readPassword, UsageError, withDb } from './shared.js';

/** `latchkey user …` */
export function userCommands(program: Command): void {
  const user = program.command('user').description('manage user accounts');
  user
    .command('create')
    .description('create an account (password from --password, the prompt, or stdin)')
    .requiredOption('--email <email>', 'email address (unique, case-insensitive)')
    .requiredOption('--name <name>', 'display name')
    .option('--password <password>', 'password (avoid: it stays in shell history)')
    .option('--email-verified', 'mark the email address as verified', false)
    .option('--json', 'print one JSON object', false)
    .action(async (opts: { email: string; name: string; password?: string; emailVerified: boolean; json: boolean }) => {
      if (!/^[^\s@]+@[^\s@]+$/.test(opts.email)) throw new UsageError(`--email: ${opts.email} is not an email address`);
      const password = await readPassword(opts.password);
      const problem = checkNewPassword(password, opts, loadConfig().passwordPolicy);
      if (problem) throw new UsageError(`password: ${problem}`);
      const passwordHash = await hashPassword(password);
      const account = await withDb((db) =>
        createAccountsRepo(db).create({ email: opts.email, name: opts.name, passwordHash, emailVerified: opts.emailVerified }),
      );
      process.stdout.write(
        opts.json
          ? `${JSON.stringify({ sub: account.id, email: account.email, name: account.name })}\n`
          : `created account ${account.email} (sub ${account.id})\n`,
      );
    });
}
