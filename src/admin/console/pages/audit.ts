import { Readable } from 'node:stream';
import type { Context } from 'koa';
import { createAccountsRepo } from '../../../accounts/accounts-repo.js';
import type { AuditFilter } from '../../../audit/audit-query.js';
import { AppError } from '../../../common/errors.js';
import { exportAudit, searchAudit } from '../../service/index.js';
import { renderAdmin } from '../render.js';
import type { PageKit } from './kit.js';

const PAGE_SIZE = 50;

/** The filter form's values, as typed (refilled on the page, and kept in the pager's and export's links). */
interface AuditQuery {
  account: string;
  client: string;
  type: string;
  since: string;
  until: string;
}

const q = (ctx: Context, name: string, max: number) => (typeof ctx.query[name] === 'string' ? (ctx.query[name] as string).trim().slice(0, max) : '');

// `datetime-local` gives no zone: the page says these times are UTC.
function utc(value: string, name: string): Date | undefined {
  if (!value) return undefined;
  const date = new Date(/Z$|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
  if (Number.isNaN(date.getTime())) throw new AppError('admin.invalid', `${name}: not a date and time`, { status: 400 });
  return date;
}

export function auditPages(kit: PageKit): void {
  const { router, requireAdmin, service } = kit;
  const accounts = createAccountsRepo(service.db);

  /** The filter for the service; an address in the account field is looked up (disabled accounts too). */
  async function filterOf(query: AuditQuery): Promise<AuditFilter> {
    let accountId = query.account || undefined;
    if (accountId?.includes('@')) accountId = (await accounts.findByEmail(accountId, { includeDisabled: true }))?.id ?? '-';
    return {
      accountId,
      clientId: query.client || undefined,
      type: query.type || undefined,
      since: utc(query.since, 'From'),
      until: utc(query.until, 'Until'),
    };
  }

  const queryOf = (ctx: Context): AuditQuery => ({ account: q(ctx, 'account', 320), client: q(ctx, 'client', 200), type: q(ctx, 'type', 100), since: q(ctx, 'since', 40), until: q(ctx, 'until', 40) });

  router.get('/audit', requireAdmin, async (ctx) => {
    const query = queryOf(ctx);
    const cursor = typeof ctx.query.cursor === 'string' ? ctx.query.cursor : undefined;
    let filter: AuditFilter;
    try {
      filter = await filterOf(query);
    } catch (err) {
      const field = /^From/.test((err as Error).message) ? 'since' : 'until';
      return renderAdmin(ctx, 'audit', { title: 'Audit log', section: 'audit', query, page: { items: [] }, paged: false, filterString: '', fieldError: { field, message: 'Enter a date and time (UTC).' } }, 400);
    }
    const page = await searchAudit(service, filter, { cursor, limit: PAGE_SIZE });
    const filterString = new URLSearchParams(Object.entries(query).filter(([, v]) => v)).toString();
    await renderAdmin(ctx, 'audit', { title: 'Audit log', section: 'audit', query, page, paged: Boolean(cursor), filterString });
  });

  // JSON lines (one event per line), streamed a page at a time: an export of the whole log is never held in memory.
  router.get('/audit/export', requireAdmin, async (ctx) => {
    const filter = await filterOf(queryOf(ctx));
    ctx.type = 'application/x-ndjson; charset=utf-8';
    ctx.attachment(`latchkey-audit-${new Date(service.clock().getTime()).toISOString().slice(0, 19).replace(/:/g, '')}Z.jsonl`);
    ctx.body = Readable.from(exportAudit(service, filter));
  });
}
