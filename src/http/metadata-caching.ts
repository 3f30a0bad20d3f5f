import { createHash } from 'node:crypto';
import type { Context, Middleware, Next } from 'koa';
import { METADATA_MAX_AGE_SECONDS } from '../provider/key-rotation.js';

/** Discovery documents (OIDC Discovery §4, RFC 8414 §3) are at fixed well-known paths. */
const DISCOVERY_PATHS = ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'];

export interface Built {
  version: string;
  bytes: Buffer;
  etag: string;
  /** Headers the engine set on the answer (content type, Vary), replayed as they were. */
  headers: Array<[string, string | string[]]>;
  /**
   * Every header of a 200 as it left, once one has, flat (name, value, name, value…) as
   * `writeHead` takes them: for a 200 and for a 304 (metadata-fast-lane.ts answers from
   * them). Each list ends with `x-request-id` and a slot the lane fills with each answer's
   * own id just before writing it: read anywhere else, that slot is some earlier answer's.
   */
  sent?: { ok: string[]; notModified: string[] };
}

/** The built documents by path, and the version (signing keys) they were built for. */
export interface MetadataCache {
  readonly paths: ReadonlySet<string>;
  readonly built: Map<string, Built>;
  readonly version: () => string;
}

export function createMetadataCache(jwksPath: string, version: () => string): MetadataCache {
  return { paths: new Set([...DISCOVERY_PATHS, jwksPath]), built: new Map(), version };
}

/** A strong validator over the exact bytes (RFC 9110 §8.8.3). */
const etagOf = (bytes: Buffer) => `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;

/** Whether any `If-None-Match` entity tag matches (RFC 9110 §13.1.2: weak comparison). */
export function matches(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * `Cache-Control` and a strong `ETag` on the public metadata (discovery and the JWKS at
 * `jwksPath`), which are also served from bytes built once: the engine builds them the
 * first time and whenever `version()` changes (new signing keys), never per request. A
 * matching `If-None-Match` gets 304. Requests with an `Origin` header (browsers, whose
 * CORS answer depends on it) go through the engine every time.
 */
export function metadataCaching({ paths, built, version }: MetadataCache): Middleware {
  // Not async on every other path: no promise of its own where it only passes on.
  return (ctx, next) => ((ctx.method === 'GET' || ctx.method === 'HEAD') && paths.has(ctx.path) ? served(ctx, next) : next());

  async function served(ctx: Context, next: Next): Promise<void> {
    const cacheable = ctx.get('Origin') === '' && ctx.querystring === '';
    const current = version();
    const hit = cacheable ? built.get(ctx.path) : undefined;
    if (hit && hit.version === current) {
      for (const [name, value] of hit.headers) ctx.set(name, value);
      answer(ctx, hit);
      return;
    }
    const before = new Set(Object.keys(ctx.response.headers));
    await next();
    if (ctx.status !== 200) return;
    ctx.set('Cache-Control', `public, max-age=${METADATA_MAX_AGE_SECONDS}`);
    if (!cacheable || ctx.body === null || typeof ctx.body !== 'object' || Buffer.isBuffer(ctx.body)) return;
    const bytes = Buffer.from(JSON.stringify(ctx.body));
    const headers = Object.entries(ctx.response.headers)
      .filter(([name]) => !before.has(name) && name !== 'content-length')
      .map(([name, value]): [string, string | string[]] => [name, Array.isArray(value) ? value : String(value)]);
    const entry = { version: current, bytes, etag: etagOf(bytes), headers };
    built.set(ctx.path, entry);
    answer(ctx, entry);
  }
}

function answer(ctx: Parameters<Middleware>[0], entry: Built): void {
  ctx.set('Cache-Control', `public, max-age=${METADATA_MAX_AGE_SECONDS}`);
  ctx.set('ETag', entry.etag);
  if (matches(ctx.get('If-None-Match'), entry.etag)) {
    ctx.status = 304;
    ctx.body = null;
    return;
  }
  ctx.status = 200;
  ctx.type = 'application/json; charset=utf-8';
  ctx.body = entry.bytes;
}
