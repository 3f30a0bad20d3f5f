import type { Around } from './around.js';
import { clientAddress, type ProxyTrust } from '../common/client-address.js';

const FORWARDING_HEADERS = ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-forwarded-prefix', 'forwarded', 'x-real-ip'];

/**
 * The first middleware: decides the client address once (`ctx.ip` everywhere after),
 * and drops every forwarding header an untrusted peer sent before Koa (`app.proxy`)
 * or the engine can read them, so a forged X-Forwarded-Host/-Proto changes nothing.
 * From a trusted proxy, X-Forwarded-Host/-Proto keep only their right-most value: the
 * one that proxy set itself (OWASP ASVS 5.0 V4.1.3: intermediary headers are believed
 * only from intermediaries that are trusted to set them).
 */
export function clientIp(trust: ProxyTrust): Around {
  return {
    enter(ctx) {
      const headers = ctx.req.headers;
      const forwardedFor = headers['x-forwarded-for'];
      const { ip, viaTrustedProxy } = clientAddress(trust, ctx.req.socket.remoteAddress ?? '', Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor);
      if (viaTrustedProxy) {
        for (const name of ['x-forwarded-host', 'x-forwarded-proto']) {
          const value = headers[name];
          const last = (Array.isArray(value) ? value.join(',') : value)?.split(',').map((v) => v.trim()).filter(Boolean).at(-1);
          if (last) headers[name] = last;
          else delete headers[name];
        }
      } else {
        // Looked at first: a delete of a header that is not there (nearly always) still costs a call into V8's runtime.
        for (const name of FORWARDING_HEADERS) if (headers[name] !== undefined) delete headers[name];
      }
      ctx.request.ip = ip;
    },
  };
}
