import { createAuditLog } from '../audit/audit-log.js';
import { systemClock } from '../common/clock.js';
import type { Actor, AdminDeps } from '../admin/service/index.js';
import type { Db } from '../storage/db.js';
import type { CliContext } from './context.js';

/** The operator at the command line, as the admin service's audit events name them. */
export const CLI_ACTOR: Actor = { kind: 'cli' };

/** What the admin service needs from a command: the store it opened, the config, the system clock. */
export function cliAdminDeps(ctx: CliContext, db: Db): Pick<AdminDeps, 'db' | 'clock' | 'config' | 'audit'> {
  return { db, clock: systemClock, config: ctx.config, audit: createAuditLog(db) };
}
