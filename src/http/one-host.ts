import type { Context } from 'koa';
import type { Around } from './around.js';
import { AppError } from '../common/errors.js';

// RFC 9112 §3.2.2: with an absolute-form request target the Host header is ignored and
// the target's own authority counts; Koa then builds ctx.href from the target as is.
const ABSOLUTE_FORM = /^[a-z][a-z\d+.-]*:\/\//i;

export interface OneHostOptions {
  /** The configured issuer: the only origin Latchkey answers for. */
  issuer: string;
  /** Paths answered on any host (load-balancer probes such as /healthz). */
  exemptPaths: readonly string[];
  /** Koa's request prototype (`app.request`), which every request's `ctx.request` inherits from. */
  requestPrototype: object;
}

/**
 * Latchkey answers only on the issuer's host: any other name gets 421 Misdirected
 * Request (RFC 9110 §15.5.20), so a name that merely resolves here (another virtual
 * host, a bare IP, a loopback alias) cannot make it speak for that name. The host is
 * Koa's `ctx.host`: the Host header, or X-Forwarded-Host only from a trusted proxy
 * (`LATCHKEY_TRUSTED_PROXIES`; http/client-ip.ts drops it from anyone else). Every
 * request sees the issuer's origin as `ctx.origin` and its scheme as `ctx.protocol`,
 * so every URL the engine builds from the request (discovery, the audiences accepted
 * for private_key_jwt) is the issuer's, whatever the scheme the connection or a
 * forwarded header claims — and with an https issuer every cookie is `Secure` (the
 * engine's and Latchkey's own), even when a TLS proxy talks plain HTTP to Latchkey.
 */
export function oneHost({ issuer, exemptPaths, requestPrototype }: OneHostOptions): Around {
  const { origin, host, protocol } = new URL(issuer);
  // Once, for every request, rather than on each one that passes: a request that does not
  // pass is answered 421 without using them, and the exempt probes build no URLs and set
  // no cookies. Koa makes its cookie jar's `secure` from `protocol`.
  Object.defineProperty(requestPrototype, 'origin', { value: origin });
  Object.defineProperty(requestPrototype, 'protocol', { value: protocol.slice(0, -1) });
  const exempt = new Set(exemptPaths);
  // The URL parser lower-cases the name and drops the scheme's default port, as for the issuer.
  const normalize = (authority: string) => (URL.canParse(`${protocol}//${authority}`) ? new URL(`${protocol}//${authority}`).host : undefined);
  // Nearly every request names the issuer's host exactly as configured: no parsing then.
  const served = (ctx: Context) =>
    ABSOLUTE_FORM.test(ctx.originalUrl) ? URL.parse(ctx.originalUrl)?.origin === origin : ctx.host === host || normalize(ctx.host) === host;

  return {
    enter(ctx) {
      if (exempt.has(ctx.path)) return;
      if (!served(ctx)) {
        throw new AppError('request.misdirected', 'This address is not served here. Use the address the application sent you to.', { status: 421 });
      }
    },
  };
}
