import assert from 'node:assert/strict';
import { test } from 'node:test';
import Router from '@koa/router';
import { Validator } from '@seriousme/openapi-schema-validator';
import { koaPath, mountRoutes, type MountDeps } from '../../../src/admin/api/mount.js';
import { ADMIN_API_ROUTES } from '../../../src/admin/api/routes/index.js';
import { adminApiSuite } from './setup.js';

const METHODS = ['get', 'post', 'patch', 'delete', 'put'] as const;

/** What the Koa router really serves: "METHOD /path" for each layer, HEAD aside. */
function mounted(): string[] {
  const router = new Router({ prefix: '/admin/api/v1' });
  mountRoutes(router, ADMIN_API_ROUTES, {} as MountDeps);
  return router.stack.flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${layer.path}`)).sort();
}

adminApiSuite('admin API: the OpenAPI document', (c) => {
  test('is served, validates as OpenAPI 3.1, and names the admin token scheme', async () => {
    const res = await c.api('GET', '/admin/api/v1/openapi.json');
    assert.equal(res.status, 200);
    assert.equal(res.body.openapi, '3.1.0');
    const result = await new Validator().validate(res.body);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    assert.equal(res.body.components.securitySchemes.adminToken.flows.clientCredentials.tokenUrl, `${c.lk.issuer}/token`);
    assert.equal(res.body.servers[0].url, `${c.lk.issuer}/admin/api/v1`);
  });

  test('documents exactly the routes the router mounts, each with its scope and problem answers', async () => {
    const doc = (await c.api('GET', '/admin/api/v1/openapi.json')).body;
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => METHODS.filter((m) => m in ops).map((m) => `${m.toUpperCase()} /admin/api/v1${koaPath(path)}`))
      .sort();
    assert.deepEqual(documented, mounted(), 'a route is mounted but not documented, or documented but not mounted');
    for (const r of ADMIN_API_ROUTES) {
      const op = doc.paths[r.path][r.method];
      assert.deepEqual(op.security, [{ adminToken: [r.scope] }], r.path);
      assert.ok(op.responses['401'] && op.responses['403'] && op.responses['400'], r.path);
      if (r.ifMatch) assert.ok(op.responses['428'] && op.responses['412'] && op.parameters.some((p: { name: string; in: string }) => p.in === 'header' && p.name === 'If-Match'), r.path);
    }
  });

  test('every documented operation answers on the live server (no route-not-found)', async () => {
    const { token } = await c.automation();
    const doc = (await c.api('GET', '/admin/api/v1/openapi.json')).body;
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of METHODS.filter((m) => m in ops)) {
        const concrete = path.replace(/\{(\w+)\}/g, 'nobody');
        const res = await c.api(method.toUpperCase(), concrete, { token, ...(method === 'post' || method === 'patch' ? { body: {} } : {}), headers: { 'if-match': '"x"' } });
        assert.notEqual(res.status, 405, `${method} ${path}`);
        assert.ok(!(res.status === 404 && /no such route/.test(res.body.detail ?? '')), `${method} ${path} is not served`);
      }
    }
  });

  test('the reference page loads Swagger UI from this origin, with no inline script', async () => {
    const page = await c.api('GET', '/admin/api/docs');
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.body, /<script>(?!<\/script>)|<script(?![^>]*\bsrc=)[^>]*>/);
    assert.doesNotMatch(page.body, /https?:\/\/(?!localhost)/, 'no CDN');
    for (const src of [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string)) {
      if (!src.startsWith('/')) continue;
      assert.equal((await fetch(`${c.lk.issuer}${src}`)).status, 200, src);
    }
    assert.equal((await c.api('GET', '/admin/api/docs/assets/package.json')).status, 404, 'only the two Swagger UI files are served');
    assert.equal((await c.api('GET', '/admin/api/docs/assets/..%2F..%2Fpackage.json')).status, 404);
  });
});
