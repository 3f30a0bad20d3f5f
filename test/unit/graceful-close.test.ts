import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { gracefulClose } from '../../src/http/graceful-close.js';

test('graceful close: a request in flight gets its whole answer, then the keep-alive connection closes and the server stops', async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const server = createServer((_req, res) => void held.then(() => res.end('done')));
  server.keepAliveTimeout = 65_000;
  const stop = gracefulClose(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  const answer = fetch(`http://127.0.0.1:${port}/`).then(async (r) => ({ status: r.status, body: await r.text(), connection: r.headers.get('connection') }));
  await once(server, 'request');
  let stopped = false;
  const stopping = stop(60_000).then(() => (stopped = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(stopped, false, 'waits for the request in flight');
  await assert.rejects(fetch(`http://127.0.0.1:${port}/`), 'no new connections');

  release();
  assert.deepEqual(await answer, { status: 200, body: 'done', connection: 'close' });
  await stopping;
  assert.equal(server.listening, false);
});
