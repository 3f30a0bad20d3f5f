import type { Context } from 'koa';
import { isAppError } from '../../../common/errors.js';
import {
  createClient,
  editClient,
  listClients,
  listResources,
  revokeClientSecret,
  rotateClientSecret,
  setClientDisabled,
  viewClient,
} from '../../service/index.js';
import { renderAdmin } from '../render.js';
import { clientField, clientInput, formValues, grantsOf, grantValues, type ClientFormValues } from './client-form.js';
import { confirmRoute } from './confirm.js';
import { actorOf, doneRedirect, fieldErrorOf, lines, noticeOf, param, text, type FieldError, type PageKit } from './kit.js';

const NOTICES: Record<string, string> = {
  saved: 'The client was saved.',
  disabled: 'The client was disabled: it gets no new tokens, and its tokens no longer introspect as active.',
  enabled: 'The client was enabled.',
  'secret-revoked': 'The secret was revoked: it no longer authenticates the client.',
};

const PAGE_SIZE = 25;
/** How long the old secrets keep working after a rotation, as offered on the page. */
const OVERLAPS: Record<string, number> = { '0': 0, '3600': 3600, '86400': 86400, '604800': 604800 };

const clientPath = (id: string) => `/admin/clients/${encodeURIComponent(id)}`;

export function clientPages(kit: PageKit): void {
  const { router, requireAdmin, post, service } = kit;

  router.get('/clients', requireAdmin, async (ctx) => {
    const cursor = typeof ctx.query.cursor === 'string' ? ctx.query.cursor : undefined;
    const page = await listClients(service, { cursor, limit: PAGE_SIZE });
    await renderAdmin(ctx, 'clients', { title: 'Clients', section: 'clients', page, paged: Boolean(cursor), notice: noticeOf(ctx, NOTICES) });
  });

  const newForm = async (ctx: Context, values: ClientFormValues, fieldError?: FieldError, status = 200) =>
    renderAdmin(ctx, 'client-new', { title: 'Add a client', section: 'clients', values, resources: await listResources(service), fieldError }, status);

  router.get('/clients/new', requireAdmin, (ctx) =>
    newForm(ctx, { name: '', kind: ctx.query.kind === 'machine' ? 'machine' : 'web', redirectUris: '', postLogoutRedirectUris: '', scopes: ['email', 'profile'], public: false, thirdParty: false, grants: [] }),
  );

  router.post('/clients', requireAdmin, ...post, async (ctx) => {
    const values = formValues(ctx.request.body);
    try {
      const created = await createClient(service, actorOf(ctx), clientInput(values));
      // The secret exists in this answer only (Latchkey keeps its hash): shown once, never stored by the browser.
      await renderAdmin(ctx, 'client-secret', { title: 'Client created', section: 'clients', clientId: created.clientId, secret: created.clientSecret, machine: values.kind === 'machine', resources: grantsOf(values), tokenUrl: `${service.config.issuer}/token`, created: true });
    } catch (err) {
      await newForm(ctx, values, fieldErrorOf(err, clientField), isAppError(err) ? err.status : 400);
    }
  });

  async function clientPage(ctx: Context, id: string, extra: { values?: ClientFormValues; fieldError?: FieldError; error?: string } = {}, status = 200) {
    const client = await viewClient(service, id);
    const values: ClientFormValues = extra.values ?? {
      name: client.name,
      kind: client.grantTypes.includes('authorization_code') ? 'web' : 'machine',
      redirectUris: client.redirectUris.join('\n'),
      postLogoutRedirectUris: (client as { postLogoutRedirectUris?: string[] }).postLogoutRedirectUris?.join('\n') ?? '',
      scopes: client.scope.split(' ').filter((s) => s !== 'openid'),
      public: client.public,
      thirdParty: client.thirdParty,
      grants: grantValues(client.resources),
    };
    await renderAdmin(ctx, 'client', { title: client.name, section: 'clients', client, values, resources: await listResources(service), notice: noticeOf(ctx, NOTICES), ...extra }, status);
  }

  router.get('/clients/:id', requireAdmin, (ctx) => clientPage(ctx, param(ctx, 'id')));

  // The edit form carries the ETag it was built from: an edit made meanwhile by another admin is a 412, never overwritten.
  router.post('/clients/:id', requireAdmin, ...post, async (ctx) => {
    const id = param(ctx, 'id');
    const values = formValues(ctx.request.body);
    const current = await viewClient(service, id);
    const machine = !current.grantTypes.includes('authorization_code');
    try {
      await editClient(
        service,
        actorOf(ctx),
        id,
        {
          name: values.name,
          ...(machine ? {} : { redirectUris: lines(values.redirectUris), postLogoutRedirectUris: lines(values.postLogoutRedirectUris), scope: ['openid', ...values.scopes].join(' ') }),
          resources: grantsOf(values),
        },
        { ifMatch: text(ctx.request.body, 'etag', 100) },
      );
    } catch (err) {
      if (isAppError(err) && err.status === 412) {
        return clientPage(ctx, id, { error: 'Another admin changed this client while you edited it. The page now shows their version: make your change again.' }, 412);
      }
      return clientPage(ctx, id, { values: { ...values, kind: machine ? 'machine' : 'web' }, fieldError: fieldErrorOf(err, clientField) }, isAppError(err) ? err.status : 400);
    }
    doneRedirect(ctx, clientPath(id), 'saved');
  });

  router.post('/clients/:id/secrets/rotate', requireAdmin, ...post, async (ctx) => {
    const id = param(ctx, 'id');
    const overlapSeconds = OVERLAPS[text(ctx.request.body, 'overlap', 10)] ?? 0;
    const client = await viewClient(service, id);
    const rotated = await rotateClientSecret(service, actorOf(ctx), id, { overlapSeconds });
    await renderAdmin(ctx, 'client-secret', {
      title: 'New client secret',
      section: 'clients',
      clientId: id,
      secret: rotated.clientSecret,
      machine: client.grantTypes.includes('client_credentials'),
      resources: client.resources,
      tokenUrl: `${service.config.issuer}/token`,
      created: false,
      overlapSeconds,
    });
  });

  confirmRoute(router, requireAdmin, '/clients/:id/secrets/:secretId/revoke', async (ctx) => {
    const client = await viewClient(service, param(ctx, 'id'));
    return {
      title: 'Revoke this secret?',
      message: 'Anything that still authenticates with this secret stops working at once. Rotate first if the client needs a new one.',
      button: 'Revoke the secret',
      section: 'clients',
      subject: `${client.name} (${client.clientId}), secret ${param(ctx, 'secretId')}`,
      cancel: clientPath(client.clientId),
    };
  });

  router.post('/clients/:id/secrets/:secretId/revoke', requireAdmin, ...post, async (ctx) => {
    const id = param(ctx, 'id');
    await revokeClientSecret(service, actorOf(ctx), id, param(ctx, 'secretId'));
    doneRedirect(ctx, clientPath(id), 'secret-revoked');
  });

  confirmRoute(router, requireAdmin, '/clients/:id/disable', async (ctx) => {
    const client = await viewClient(service, param(ctx, 'id'));
    return {
      title: 'Disable this client?',
      message: 'It gets no new tokens, its users cannot sign in to it, and its access tokens no longer introspect as active. You can enable it again.',
      button: 'Disable the client',
      section: 'clients',
      subject: `${client.name} (${client.clientId})`,
      cancel: clientPath(client.clientId),
    };
  });

  for (const [action, disabled] of [['disable', true], ['enable', false]] as const) {
    router.post(`/clients/:id/${action}`, requireAdmin, ...post, async (ctx) => {
      const id = param(ctx, 'id');
      await viewClient(service, id);
      await setClientDisabled(service, actorOf(ctx), id, disabled);
      doneRedirect(ctx, clientPath(id), disabled ? 'disabled' : 'enabled');
    });
  }
}
