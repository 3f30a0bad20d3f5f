import { createHash } from 'node:crypto';
import type { AttestationTrust } from '../../passkeys/attestation-trust.js';
import type { OneTimeCodes } from '../../accounts/one-time-codes.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { ApiKeys } from '../../clients/api-keys.js';
import type { Clock } from '../../common/clock.js';
import { AppError } from '../../common/errors.js';
import type { Config } from '../../config/config.js';
import type { MailRequest } from '../../mail/mailer.js';
import type { MailTemplate } from '../../mail/templates.js';
import type { Db } from '../../storage/db.js';
import type { EphemeralStore } from '../../storage/ephemeral-store.js';

/**
 * Who is acting: an admin account (the console), an automation client (the API, by its
 * client-credentials token), or the operator at the command line. Every change records
 * it in the audit event's detail.
 */
export type Actor = { kind: 'account'; id: string } | { kind: 'client'; id: string } | { kind: 'cli' };

/**
 * What the admin service runs over. The console and the API pass the server's own; the
 * CLI passes what it opened for the command. Each function takes only the part it needs
 * (`Pick<AdminDeps, …>`), so a command that never touches ephemeral state need not open it.
 */
export interface AdminDeps {
  db: Db;
  ephemeral: EphemeralStore;
  config: Pick<Config, 'issuer' | 'lockout' | 'passwordPolicy'>;
  clock: Clock;
  audit: AuditLog;
  codes: OneTimeCodes;
  /** Users' self-service API keys (clients/api-keys.ts), which admins list and revoke. */
  apiKeys: ApiKeys;
  /** The attestation anchors, so the passkeys admins see are judged as the user's own page judges them. */
  trust?: AttestationTrust;
  /** Queues a mail (the server's mailer, or the outbox directly from the command line). */
  queueMail<T extends MailTemplate>(mail: MailRequest<T>): Promise<unknown>;
}

/** The audit detail naming the actor: `{ by: 'cli' }` as the CLI always wrote, else the kind and id. */
export function actorDetail(actor: Actor): Record<string, string> {
  return actor.kind === 'cli' ? { by: 'cli' } : { by: actor.kind, actor: actor.id };
}

/** Errors of the admin service; stable codes the API's problem+json answers carry. */
export const adminErrors = {
  notFound: (what: string) => new AppError('admin.not_found', `no ${what}`, { status: 404 }),
  conflict: (message: string) => new AppError('admin.conflict', message, { status: 409 }),
  /** An admin may not lock themselves out (revoke their own role, disable their own account). */
  selfRefused: (message: string) => new AppError('admin.self_action_refused', message, { status: 409 }),
  reserved: (message: string) => new AppError('admin.reserved', message, { status: 409 }),
  stale: () => new AppError('admin.precondition_failed', 'the resource changed since it was read: read it again and retry', { status: 412 }),
};

/**
 * An entity tag for a representation (RFC 9110 §8.8.3): a strong tag over its JSON, so any
 * change to what an admin saw changes it. Only the fields a PATCH acts on go in (not a
 * last-use time), so a busy client or a user signing in does not make edits fail.
 */
export function etagOf(value: unknown): string {
  const json = JSON.stringify(value, (_k, v: unknown) => (v instanceof Date ? v.toISOString() : v));
  return `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"`;
}

/**
 * Compares an If-Match value with the current tag (RFC 9110 §13.1.1): `*` or a list of
 * tags, one of which must match strongly. Undefined `ifMatch`: the caller asked for no
 * check (the CLI, which acts on what it names).
 */
export function checkIfMatch(ifMatch: string | undefined, current: string): void {
  if (ifMatch === undefined) return;
  const tags = ifMatch.split(',').map((t) => t.trim());
  if (tags.includes('*') || tags.includes(current)) return;
  throw adminErrors.stale();
}
