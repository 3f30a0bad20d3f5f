import type { Context } from 'koa';
import type { Account } from '../../accounts/accounts-repo.js';
import { renderPage, type PageLocals } from '../../pages/render.js';

/** The console's sections, in navigation order (views/admin/partials/head.ejs). */
export const SECTIONS = [
  { id: 'users', label: 'Users', href: '/admin/users' },
  { id: 'clients', label: 'Clients', href: '/admin/clients' },
  { id: 'resources', label: 'Resources', href: '/admin/resources' },
  { id: 'audit', label: 'Audit log', href: '/admin/audit' },
] as const;

export type SectionId = (typeof SECTIONS)[number]['id'];

export interface AdminLocals extends PageLocals {
  /** The section the page belongs to (marked aria-current in the navigation). */
  section?: SectionId;
  /** A success message shown at the top (role=status). */
  notice?: string;
}

/** The signed-in admin of a console request (guard.ts puts it on ctx.state). */
export function adminOf(ctx: Context): Account {
  return (ctx.state.admin as { account: Account }).account;
}

/** A page in the console's layout; signed-out pages (sign-in problems) pass no admin. */
export async function renderAdmin(ctx: Context, view: string, locals: AdminLocals, status = 200): Promise<void> {
  const admin = (ctx.state.admin as { account: Account } | undefined)?.account;
  await renderPage(ctx, `admin/${view}`, { sections: SECTIONS, section: undefined, notice: undefined, admin, ...locals }, status);
}
