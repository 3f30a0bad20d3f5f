import { validateHeaderName, validateHeaderValue, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { Logger } from '../common/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { matches, type Built, type MetadataCache } from './metadata-caching.js';
import { requestIdOf } from './request-log.js';

/** Headers that belong to one response, not to the document: made afresh each time. */
const PER_RESPONSE = new Set(['x-request-id', 'etag', 'content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding']);
// RFC 9110 §15.4.5: a 304 carries the validators and caching headers, not the body's type or length.
const NOT_ON_304 = new Set(['content-type']);

/**
 * Discovery and the JWKS straight from their built bytes, before Koa: resource servers
 * and relying parties fetch them more than anything else, and they are the same bytes for
 * everyone. The first plain request for a document goes the whole way (host check, engine,
 * security headers, metadata-caching.ts); the headers it left with are kept beside the
 * bytes and replayed, so the fast answer is that answer byte for byte, with its own
 * request id, ETag and 304 handling. Only a request that would certainly get those bytes
 * is answered here: GET or HEAD of the exact path with no query, the issuer's host
 * exactly as configured in Host, no X-Forwarded-Host or Forwarded header (a proxy's view
 * of the host is the host check's business), no Origin (CORS answers differ). Anything
 * else, and any document built for older signing keys, goes through Koa as before.
 */
export function metadataFastLane(cache: MetadataCache, options: { host: string; metrics: Metrics; logger: Logger }): (handler: RequestListener) => RequestListener {
  const { host, metrics, logger } = options;
  const routeOf = (path: string) => (path.includes('well-known') ? 'discovery' : 'jwks');
  // Every label set this lane can record, bound once: no label lookup per answer.
  const byStatus = (route: string, method: string) => ({
    200: metrics.httpDuration.labels({ route, method, status: '200' }),
    304: metrics.httpDuration.labels({ route, method, status: '304' }),
  });
  const byMethod = (route: string) => ({ GET: byStatus(route, 'GET'), HEAD: byStatus(route, 'HEAD') });
  const recorders = { discovery: byMethod('discovery'), jwks: byMethod('jwks') };
  const eligible = (req: IncomingMessage, path: string) =>
    (req.method === 'GET' || req.method === 'HEAD') &&
    cache.paths.has(path) &&
    req.headers.host === host &&
    req.headers.origin === undefined &&
    req.headers['x-forwarded-host'] === undefined &&
    req.headers.forwarded === undefined;

  function keepSentHeaders(res: ServerResponse, path: string): void {
    const entry = cache.built.get(path);
    // Only the headers of a 200 built from the current bytes, and never a cookie.
    if (!entry || entry.sent || res.statusCode !== 200 || entry.version !== cache.version()) return;
    if (res.getHeader('etag') !== entry.etag || res.hasHeader('set-cookie')) return;
    const kept = Object.entries(res.getHeaders())
      .filter(([name]) => !PER_RESPONSE.has(name))
      .flatMap(([name, value]) => (Array.isArray(value) ? value : [String(value)]).map((one): [string, string] => [name, one]));
    // Checked once here, so that writeHead never refuses a list half-way through an answer;
    // a list that fails (never, as Node sent it once already) is not kept: the long way goes on.
    try {
      for (const [name, value] of kept) {
        validateHeaderName(name);
        validateHeaderValue(name, value);
      }
    } catch {
      return;
    }
    // Each list ends with the request id's slot, filled in per answer (answer()).
    const validators = ['etag', entry.etag];
    entry.sent = {
      ok: [...kept.flat(), ...validators, 'content-length', String(entry.bytes.length), 'x-request-id', ''],
      notModified: [...kept.filter(([name]) => !NOT_ON_304.has(name)).flat(), ...validators, 'x-request-id', ''],
    };
  }

  function answer(req: IncomingMessage, res: ServerResponse, entry: Built & { sent: NonNullable<Built['sent']> }, path: string): void {
    const started = performance.now();
    const reqId = requestIdOf(req.headers['x-request-id']);
    const ifNoneMatch = req.headers['if-none-match'];
    const notModified = ifNoneMatch !== undefined && matches(ifNoneMatch, entry.etag);
    const status = notModified ? 304 : 200;
    const headers = notModified ? entry.sent.notModified : entry.sent.ok;
    // One writeHead with a flat list: Node writes it as it is, without the per-header
    // bookkeeping of setHeader (about 6% of a bare server's CPU on this answer). The list
    // is the entry's own, its last slot this answer's request id: writeHead turns it into
    // bytes before it returns and keeps no reference, so the next answer may refill it.
    headers[headers.length - 1] = reqId;
    res.writeHead(status, headers);
    res.end(notModified || req.method === 'HEAD' ? undefined : entry.bytes);
    const seconds = (performance.now() - started) / 1000;
    recorders[routeOf(path)][req.method as 'GET' | 'HEAD'][status](seconds);
    if (logger.isLevelEnabled('info')) logger.info({ reqId, method: req.method, path, status, ms: Math.round(seconds * 1000) }, 'request');
  }

  return (handler) => (req, res) => {
    const path = req.url ?? '';
    if (eligible(req, path)) {
      const entry = cache.built.get(path);
      if (entry?.sent && entry.version === cache.version()) {
        try {
          return answer(req, res, entry as Built & { sent: NonNullable<Built['sent']> }, path);
        } catch (err) {
          // Never a crash outside Koa's error handling: the long way if nothing has left yet.
          logger.error({ err }, 'metadata fast lane failed');
          if (res.headersSent) return void res.destroy();
          for (const name of res.getHeaderNames()) res.removeHeader(name);
        }
      }
      res.once('finish', () => keepSentHeaders(res, path));
    }
    handler(req, res);
  };
}
