import { z } from 'zod';
import { requireCsrf } from '../pages/csrf.js';
import { renderPage } from '../pages/render.js';
import { doneRedirect, formBody, who, type AccountRouteDeps, type AccountRouter } from './account-kit.js';

// The name apps receive in the `name` claim: one line of readable text.
const profileForm = z.object({
  name: z
    .string()
    .transform((v) => v.normalize('NFC').trim())
    .pipe(z.string().min(1, 'Enter your name.').max(64, 'Use at most 64 characters.').regex(/^[^\p{Cc}\p{Cf}]+$/u, 'Use letters, digits, spaces and punctuation only.')),
});

/**
 * /account/profile — the account's name (the `name` claim apps receive). The address is
 * the account's identity and changes only with a proof of the new one, so it is not here.
 */
export function profileRoutes(router: AccountRouter, deps: AccountRouteDeps): void {
  const { guard, accounts, audit } = deps;

  router.post('/profile', guard.requireSignedIn, formBody(), requireCsrf(), async (ctx) => {
    const me = who(ctx);
    const parsed = profileForm.safeParse(ctx.request.body);
    if (!parsed.success) {
      const typed = (ctx.request.body as Record<string, unknown>).name;
      return renderPage(
        ctx,
        'account-profile',
        { title: 'Your name', name: typeof typed === 'string' ? typed.slice(0, 200) : '', error: parsed.error.issues[0]?.message ?? 'Enter your name.' },
        400,
      );
    }
    if (parsed.data.name !== me.account.name) {
      await accounts.rename(me.account.id, parsed.data.name);
      await audit.record({ type: 'profile.updated', accountId: me.account.id, ip: ctx.ip, userAgent: ctx.get('user-agent'), detail: { fields: ['name'] } });
    }
    doneRedirect(ctx, 'profile-updated');
  });

  router.get('/profile', guard.requireSignedIn, async (ctx) => {
    await renderPage(ctx, 'account-profile', { title: 'Your name', name: who(ctx).account.name });
  });
}
