import type { Context } from 'koa';
import { isAppError } from '../../../common/errors.js';
import { createResource, listResources, updateResource, viewResource } from '../../service/index.js';
import { renderAdmin } from '../render.js';
import { actorOf, doneRedirect, fieldErrorOf, lines, noticeOf, text, type FieldError, type PageKit } from './kit.js';

const NOTICES: Record<string, string> = {
  created: 'The API was registered. Grant its scopes to clients on their pages.',
  saved: 'The API was saved.',
};

/** The resource form: the scopes as lines of `scope description` (a scope is one word, RFC 6749 §3.3). */
interface ResourceFormValues {
  indicator: string;
  name: string;
  scopes: string;
  tokenFormat: 'jwt' | 'opaque';
  accessTokenTtl: string;
  etag?: string;
}

function valuesOf(body: unknown): ResourceFormValues {
  return {
    indicator: text(body, 'indicator', 2000).trim(),
    name: text(body, 'name', 200),
    scopes: text(body, 'scopes', 20000),
    tokenFormat: text(body, 'tokenFormat') === 'opaque' ? 'opaque' : 'jwt',
    accessTokenTtl: text(body, 'accessTokenTtl', 12).trim(),
  };
}

function parsed(values: ResourceFormValues) {
  const scopes: string[] = [];
  const scopeDescriptions: Record<string, string> = {};
  for (const line of lines(values.scopes)) {
    const [scope = '', ...rest] = line.split(/\s+/);
    scopes.push(scope);
    if (rest.length) scopeDescriptions[scope] = rest.join(' ');
  }
  const ttl = Number(values.accessTokenTtl);
  return {
    name: values.name.trim(),
    scopes,
    scopeDescriptions,
    tokenFormat: values.tokenFormat,
    ...(values.accessTokenTtl && Number.isInteger(ttl) && ttl > 0 ? { accessTokenTtl: ttl } : {}),
  };
}

const field = (message: string) => (/indicator|URI|URL|fragment|exists/i.test(message) ? 'indicator' : /scope/i.test(message) ? 'scopes' : /ttl|lifetime/i.test(message) ? 'accessTokenTtl' : 'name');
const ttlProblem = (values: ResourceFormValues): FieldError | undefined =>
  values.accessTokenTtl && !(Number.isInteger(Number(values.accessTokenTtl)) && Number(values.accessTokenTtl) > 0 && Number(values.accessTokenTtl) <= 86400)
    ? { field: 'accessTokenTtl', message: 'The access token lifetime is a whole number of seconds, from 1 to 86400.' }
    : undefined;

const resourcePath = (indicator: string) => `/admin/resources/${encodeURIComponent(indicator)}`;

export function resourcePages(kit: PageKit): void {
  const { router, requireAdmin, post, service } = kit;
  const adminApi = `${service.config.issuer}/admin/api`;

  router.get('/resources', requireAdmin, async (ctx) => {
    await renderAdmin(ctx, 'resources', { title: 'Resources', section: 'resources', resources: await listResources(service), adminApi, notice: noticeOf(ctx, NOTICES) });
  });

  const form = (ctx: Context, values: ResourceFormValues, editing: boolean, fieldError?: FieldError, status = 200, error?: string) =>
    renderAdmin(ctx, 'resource-form', { title: editing ? values.name || values.indicator : 'Register an API', section: 'resources', values, editing, fieldError, error, notice: noticeOf(ctx, NOTICES) }, status);

  router.get('/resources/new', requireAdmin, (ctx) => form(ctx, { indicator: '', name: '', scopes: '', tokenFormat: 'jwt', accessTokenTtl: '' }, false));

  router.post('/resources', requireAdmin, ...post, async (ctx) => {
    const values = valuesOf(ctx.request.body);
    const problem = ttlProblem(values);
    if (problem) return form(ctx, values, false, problem, 400);
    try {
      const created = await createResource(service, actorOf(ctx), { indicator: values.indicator, ...parsed(values) });
      doneRedirect(ctx, resourcePath(created.indicator), 'created');
    } catch (err) {
      await form(ctx, values, false, fieldErrorOf(err, field), isAppError(err) ? err.status : 400);
    }
  });

  async function editPage(ctx: Context, indicator: string, status = 200, error?: string) {
    const resource = await viewResource(service, indicator);
    const values: ResourceFormValues = {
      indicator: resource.indicator,
      name: resource.name,
      scopes: resource.scopes.map((s) => (resource.scopeDescriptions[s] ? `${s} ${resource.scopeDescriptions[s]}` : s)).join('\n'),
      tokenFormat: resource.tokenFormat,
      accessTokenTtl: String(resource.accessTokenTtl),
      etag: resource.etag,
    };
    await form(ctx, values, true, undefined, status, error);
  }

  // The indicator is a URI: one encoded path segment.
  router.get('/resources/:indicator', requireAdmin, (ctx) => editPage(ctx, String(ctx.params.indicator ?? '').slice(0, 2000)));

  router.post('/resources/:indicator', requireAdmin, ...post, async (ctx) => {
    const indicator = String(ctx.params.indicator ?? '').slice(0, 2000);
    const values = { ...valuesOf(ctx.request.body), indicator, etag: text(ctx.request.body, 'etag', 100) };
    const problem = ttlProblem(values);
    if (problem) return form(ctx, values, true, problem, 400);
    try {
      await updateResource(service, actorOf(ctx), indicator, parsed(values), { ifMatch: values.etag });
    } catch (err) {
      if (isAppError(err) && err.status === 412) return editPage(ctx, indicator, 412, 'Another admin changed this API while you edited it. The page now shows their version: make your change again.');
      return form(ctx, values, true, fieldErrorOf(err, field), isAppError(err) ? err.status : 400);
    }
    doneRedirect(ctx, resourcePath(indicator), 'saved');
  });
}
