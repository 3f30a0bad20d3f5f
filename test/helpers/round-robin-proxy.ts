import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small load balancer for tests: each request goes to the next upstream in turn
 * (whatever connection it came on), the Host header kept, the client's address and
 * scheme passed on in X-Forwarded-For / X-Forwarded-Proto (Latchkey believes them only
 * from a configured trusted proxy). `served` records which upstream answered each path.
 */
export interface RoundRobinProxy {
  port: number;
  upstreams: string[];
  served: Array<{ upstream: number; method: string; path: string }>;
  close(): Promise<void>;
}

export async function roundRobinProxy(): Promise<RoundRobinProxy> {
  let next = 0;
  const proxy: RoundRobinProxy = { port: 0, upstreams: [], served: [], close: async () => {} };
  const server: Server = createServer((req, res) => {
    const index = next % proxy.upstreams.length;
    next += 1;
    const target = new URL(req.url ?? '/', proxy.upstreams[index]);
    proxy.served.push({ upstream: index, method: req.method ?? 'GET', path: target.pathname });
    const headers = { ...req.headers };
    const prior = req.headers['x-forwarded-for'];
    headers['x-forwarded-for'] = [prior, req.socket.remoteAddress].filter(Boolean).join(', ');
    headers['x-forwarded-proto'] = 'http';
    const upstream = request(target, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(res);
    });
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`upstream ${index}: ${err.message}`);
    });
    req.pipe(upstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  proxy.port = (server.address() as AddressInfo).port;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return proxy;
}
