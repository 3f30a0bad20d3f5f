import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createLogger } from '../../src/common/logger.js';
import { createMetadataCache, type MetadataCache } from '../../src/http/metadata-caching.js';
import { metadataFastLane } from '../../src/http/metadata-fast-lane.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { rawRequest } from '../helpers/raw-request.js';

// Which requests the fast lane answers itself and which go the long way (Koa, here a
// stand-in that answers as metadata-caching.ts does and counts its calls).
let server: Server;
let base: string;
let host: string;
let cache: MetadataCache;
let version = 'v1';
let longWay = 0;
const BYTES = Buffer.from('{"keys":[]}');

before(async () => {
  cache = createMetadataCache('/jwks', () => version);
  const koa: RequestListener = (_req, res) => {
    longWay += 1;
    cache.built.set('/jwks', { version, bytes: BYTES, etag: `"${version}"`, headers: [] });
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader('cache-control', 'public, max-age=300');
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('etag', `"${version}"`);
    res.setHeader('x-request-id', 'from-koa');
    res.end(BYTES);
  };
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  host = `localhost:${port}`;
  base = `http://127.0.0.1:${port}`;
  server.on('request', metadataFastLane(cache, { host, metrics: createMetrics(), logger: createLogger('silent') })(koa));
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const get = (headers: Record<string, string> = {}, path = '/jwks', method = 'GET') => rawRequest(`${base}${path}`, { method, headers: { host, ...headers } });

test('the first request goes the long way; later ones get its bytes and headers without it', async () => {
  const first = await get();
  assert.equal(longWay, 1);
  const again = await get();
  assert.equal(longWay, 1, 'answered by the fast lane');
  assert.equal(again.status, 200);
  assert.equal(again.text, BYTES.toString());
  for (const name of ['content-type', 'cache-control', 'x-content-type-options', 'etag', 'content-length']) assert.ok(first.headers[name], name);
  // Every header line the long way sent, each once, and no other, but the date and the request id.
  const lines = (raw: string[]) => {
    const pairs: string[] = [];
    for (let i = 0; i < raw.length; i += 2) if (!['date', 'x-request-id'].includes(raw[i]!.toLowerCase())) pairs.push(`${raw[i]!.toLowerCase()}: ${raw[i + 1]}`);
    return pairs.sort();
  };
  assert.deepEqual(lines(again.rawHeaders), lines(first.rawHeaders));
  assert.equal(new Set(lines(again.rawHeaders).map((line) => line.split(':')[0])).size, lines(again.rawHeaders).length, 'no header line twice');
  assert.match(String(again.headers['x-request-id']), /^[\w-]{36}$/, 'its own request id');
  // A caller's request id is echoed when it is a plain token, replaced when it is not.
  assert.equal((await get({ 'x-request-id': 'trace-42.a' })).headers['x-request-id'], 'trace-42.a');
  assert.match(String((await get({ 'x-request-id': 'a b' })).headers['x-request-id']), /^[\w-]{36}$/);
  // Every answer has its own id, none left over from the one before (200 and 304 alike).
  const ids: string[] = [];
  const asked: Array<Record<string, string>> = [{ 'x-request-id': 'trace-43' }, {}, { 'if-none-match': '"v1"', 'x-request-id': 'trace-44' }, { 'if-none-match': '"v1"' }];
  for (const headers of asked) ids.push(String((await get(headers)).headers['x-request-id']));
  const [traced, fresh, tracedNotModified, freshNotModified] = ids;
  assert.equal(traced, 'trace-43');
  assert.match(fresh!, /^[\w-]{36}$/);
  assert.equal(tracedNotModified, 'trace-44');
  assert.match(freshNotModified!, /^[\w-]{36}$/);
  assert.notEqual(fresh, freshNotModified);
  const notModified = await get({ 'if-none-match': '"v1"' });
  assert.equal(notModified.status, 304);
  assert.equal(notModified.headers['content-type'], undefined);
  assert.equal(notModified.headers['content-length'], undefined);
  assert.equal(notModified.headers.etag, first.headers.etag);
  assert.equal(notModified.headers['cache-control'], first.headers['cache-control']);
  const head = await get({}, '/jwks', 'HEAD');
  assert.equal(head.headers['content-length'], String(BYTES.length));
  assert.equal(head.text, '');
  assert.equal((await get({ 'if-none-match': '"v1"' }, '/jwks', 'HEAD')).status, 304);
  assert.equal(longWay, 1);
});

test('anything the lane cannot be sure of goes the long way', async () => {
  await get();
  const before = longWay;
  for (const [headers, path] of [
    [{ host: 'evil.example' }, '/jwks'],
    [{ host: host.toUpperCase() }, '/jwks'],
    [{ 'x-forwarded-host': 'evil.example' }, '/jwks'],
    [{ forwarded: 'host=evil.example' }, '/jwks'],
    [{ origin: 'https://app.example.com' }, '/jwks'],
    [{}, '/jwks?x=1'],
    [{}, '/other'],
  ] as Array<[Record<string, string>, string]>) {
    const count = longWay;
    await get(headers, path);
    assert.equal(longWay, count + 1, `${JSON.stringify(headers)} ${path}`);
  }
  assert.equal((await rawRequest(`${base}/jwks`, { method: 'POST', headers: { host } })).status, 200);
  assert.equal(longWay, before + 8, 'a POST too');
});

test('new signing keys: the old bytes are never answered', async () => {
  await get();
  version = 'v2';
  const count = longWay;
  const fresh = await get();
  assert.equal(longWay, count + 1);
  assert.equal(fresh.headers.etag, '"v2"');
  await get();
  assert.equal(longWay, count + 1, 'the new bytes are fast in their turn');
});
