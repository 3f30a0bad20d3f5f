import { randomUUID } from 'node:crypto';
import { INVITE_TTL_SECONDS } from '../accounts/invitations.js';
import { createUser } from '../admin/service/index.js';
import { CLI_ACTOR, cliAdminDeps } from './admin-deps.js';
import { createOneTimeCodes } from '../accounts/one-time-codes.js';
import { systemClock } from '../common/clock.js';
import { createOutbox } from '../mail/outbox.js';
import { storeKeyEncryptionKey } from './store-key.js';
import type { FailureLimiter } from '../storage/ephemeral-store.js';
import type { CliContext } from './context.js';
import { printJson, UsageError } from './shared.js';

/**
 * The CLI only issues links, never checks a typed code, so the wrong-code budget is never
 * charged here (and the memory store, which loads the OIDC engine, is not needed).
 */
const ISSUING_ONLY: FailureLimiter = {
  check: async () => ({ blockedFor: 0, failures: false }),
  fail: async () => {
    throw new Error('the CLI does not check one-time codes');
  },
  reset: async () => {},
};

/**
 * `latchkey user create --invite`: the account without a password, and its invitation
 * (accounts/invitations.ts). The mail goes into the outbox table, which the running
 * server's drainer delivers; the link is also printed for the operator.
 */
export async function inviteUser(ctx: CliContext, opts: { email: string; name: string; password?: string; emailVerified: boolean; admin?: boolean; json: boolean }): Promise<void> {
  if (opts.password !== undefined) throw new UsageError('--invite: an invited account has no password (the link creates its passkey)');
  if (opts.emailVerified) throw new UsageError('--invite: the address is verified by the invitation itself');
  const { config } = ctx;
  const { account, inviteUrl: url } = await ctx.withDb(async (db) => {
    // The same key the server uses for one-time codes, or the link would not check there.
    const secret = await storeKeyEncryptionKey(config, db);
    const outbox = createOutbox(db);
    // The admin service (admin/service/users-write.ts), as the console and API invite.
    return createUser(
      {
        ...cliAdminDeps(ctx, db),
        // Issuing only: the wrong-code budget is never charged here.
        codes: createOneTimeCodes({ db, clock: systemClock, secret, failures: ISSUING_ONLY }),
        queueMail: (mail) => outbox.enqueue({ id: randomUUID(), template: mail.template, recipient: mail.to, data: mail.data, at: systemClock() }),
      },
      CLI_ACTOR,
      { email: opts.email, name: opts.name, invite: true, admin: opts.admin },
    );
  });
  if (opts.json) return printJson(ctx, { sub: account.id, email: account.email, admin: opts.admin ?? false, inviteUrl: url });
  ctx.out(
    `created account ${account.email} (sub ${account.id}), no password\n` +
          `invitation mailed (delivered by the running server); the link works once, within ${INVITE_TTL_SECONDS / 3600} hours:\n${url}\n`,
  );
}
