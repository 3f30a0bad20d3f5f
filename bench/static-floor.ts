/**
 * The floor for discovery and the JWKS: a bare node:http server answering fixed bytes
 * with as many headers as Latchkey sends (fair.ts measures it on the same core with the
 * same load generator). No Node server can answer these requests for less, so it bounds
 * what any ratio against the engine can reach.
 */
import { createServer } from 'node:http';

const body = Buffer.from(process.env.FLOOR_BODY ?? '{}');
const headers: Array<[string, string]> = JSON.parse(process.env.FLOOR_HEADERS ?? '[]') as Array<[string, string]>;
createServer((req, res) => {
  for (const [name, value] of headers) res.setHeader(name, value);
  res.setHeader('content-length', body.length);
  res.end(req.method === 'HEAD' ? undefined : body);
}).listen(Number(process.env.PORT));
