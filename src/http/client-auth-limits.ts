import { addressKey } from '../common/client-address.js';
import type { Around } from './around.js';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';
import { guardClientAuthentication } from '../provider/oidc-internals.js';
import type { FailureLimiter } from '../storage/ephemeral-store.js';

/** The engine's routes that authenticate a client (RFC 6749 §2.3, RFC 7662 §2.1, RFC 7009 §2.1, RFC 9126 §2). */
export const CLIENT_AUTH_ROUTES = ['token', 'introspection', 'revocation', 'pushed_authorization_request'] as const;

function refusal(status: number, description: string, retryAfterSeconds: number, ctx: KoaContextWithOIDC): errors.OIDCProviderError {
  ctx.set('Retry-After', String(retryAfterSeconds));
  ctx.set('Cache-Control', 'no-store');
  // RFC 6749 has no throttling code for these endpoints; temporarily_unavailable
  // (§4.1.2.1) is the registered code closest in meaning, the status (RFC 6585 §4) says the rest.
  const err = new errors.OIDCProviderError(status, 'temporarily_unavailable');
  err.error_description = description;
  err.expose = true;
  return err;
}

/**
 * Failed client authentication is counted per client_id and client address (OWASP ASVS
 * 5.0 V6.3.1 applied to client credentials): after too many within the window that
 * client_id is blocked from that address for a while — 429 with Retry-After and an OAuth error body, before its secret or
 * assertion is even looked at, so guessing stops being an oracle. Counted only for
 * clients that exist (guessing unknown ids opens nothing). Successes are not counted.
 * If the counter cannot be read, the request is refused (503), never let through.
 */
// Per address too: a client_id is public, and anyone who knows one could otherwise block
// the real client everywhere with wrong secrets. Secrets are 256-bit random, so spreading
// guesses over many addresses gains an attacker nothing.
const keyOf = (clientId: string, ip: string) => `${clientId}\0${addressKey(ip)}`;

export function clientAuthLimits(provider: Provider, failures: FailureLimiter): Around {
  const routes = new Set<string>(CLIENT_AUTH_ROUTES);
  const unavailable = (ctx: KoaContextWithOIDC) => refusal(503, 'client authentication cannot be checked right now; retry later', 60, ctx);
  // One `then` rather than an async function with an await: it runs on every token request.
  guardClientAuthentication(provider, CLIENT_AUTH_ROUTES, (ctx, clientId) => {
    let checked: ReturnType<FailureLimiter['check']>;
    try {
      checked = failures.check(keyOf(clientId, ctx.ip));
    } catch {
      return Promise.reject(unavailable(ctx));
    }
    return checked.then(
      (out) => {
        // An answer without a verdict is no answer: refused as if the store were away.
        if (!out) throw unavailable(ctx);
        if (out.blockedFor) throw refusal(429, `too many failed client authentications; retry after ${out.blockedFor} seconds`, out.blockedFor, ctx);
      },
      () => {
        throw unavailable(ctx);
      },
    );
  });

  return {
    leave(ctx) {
      const { oidc } = ctx as KoaContextWithOIDC;
      if (!oidc || !routes.has(oidc.route) || ctx.status !== 401) return;
      // 401 on these routes is invalid_client (RFC 6749 §5.2); HTML bodies come from renderError.
      const body = ctx.body as { error?: unknown } | string | undefined;
      if (typeof body === 'object' && body?.error !== 'invalid_client') return;
      const clientId = oidc.entities.Client?.clientId;
      // Counted before the answer leaves (awaited); a store failure here is a 500, never a silent pass.
      if (clientId) return failures.fail(keyOf(clientId, ctx.ip)).then(() => undefined);
    },
  };
}
