import type { Context } from 'koa';
import type { Interaction } from 'oidc-provider';
import type { Account, AccountsRepo } from '../accounts/accounts-repo.js';
import { describeDevice } from '../common/device.js';
import { knowsAccount, rememberAccount } from '../accounts/device-token.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Mailer } from '../mail/mailer.js';
import type { Assurance, Factor } from '../provider/assurance.js';
import { readDevice, writeDevice } from './device-cookie.js';

export interface SignInRecordDeps {
  accounts: AccountsRepo;
  audit: AuditLog;
  mailer: Mailer;
  issuer: string;
}

/** What the interaction ended with: the account, its factors, and the strength they give. */
export interface FinishedLogin {
  accountId: string;
  factors: readonly Factor[];
  assurance: Assurance;
  /** The account row this request has already read, when it has (saves reading it again). */
  account?: Account | undefined;
}

// The prompt reasons of a full sign-in (as in next-step.ts); any other login prompt on
// top of a session of the same account is a step-up (acr_bar, max_age).
const FULL_SIGN_IN = new Set(['no_session', 'login_prompt', 'id_token_hint', 'claims_id_token_sub_value']);

function methodOf(factors: readonly Factor[]): string {
  const types = new Set(factors.map((f) => (f.type === 'pwd' ? 'password' : 'passkey')));
  return [...types].join(' and ');
}

/**
 * What happens around every finished sign-in (interactions/finish.ts calls it once the
 * factors are verified): the audit event (OWASP ASVS 5.0 V16, sign-in success with method
 * and acr), the device cookie (OWASP "device cookies": this browser now has its own
 * failure budget for the account), and the "new sign-in" mail when the browser had never
 * signed in to the account before. The mail is queued before the sign-in completes: if it
 * cannot be queued, the sign-in fails rather than go unannounced.
 */
export function createSignInRecord({ accounts, audit, mailer, issuer }: SignInRecordDeps) {
  return async function recordSignIn(ctx: Context, interaction: Interaction, login: FinishedLogin): Promise<void> {
    const device = readDevice(ctx, issuer);
    // The account row this request read (else read now): its tag in the cookie is bound to its password.
    const account = login.account?.id === login.accountId ? login.account : await accounts.findById(login.accountId);
    const known = account !== undefined && knowsAccount(device, account);
    const userAgent = ctx.get('User-Agent') || undefined;
    const stepUp = interaction.session?.accountId === login.accountId && !interaction.prompt.reasons.some((r) => FULL_SIGN_IN.has(r));
    const method = methodOf(login.factors);

    if (!known && account) {
      await mailer.send({
        to: account.email,
        template: 'new-sign-in',
        data: { method, name: account.name, device: describeDevice(userAgent), ip: ctx.ip },
      });
    }
    await audit.record({
      type: stepUp ? 'login.step_up' : 'login.succeeded',
      accountId: login.accountId,
      clientId: String(interaction.params.client_id),
      ip: ctx.ip,
      userAgent,
      detail: { method, acr: login.assurance.acr, amr: login.assurance.amr, newDevice: !known },
    });
    // An account gone meanwhile is not remembered: the sign-in fails on with it anyway.
    if (account) writeDevice(ctx, issuer, rememberAccount(device, account));
  };
}

export type RecordSignIn = ReturnType<typeof createSignInRecord>;
