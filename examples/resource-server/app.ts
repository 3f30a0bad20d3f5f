import { createServer, type Server } from 'node:http';
import Koa, { type Context } from 'koa';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

/**
 * An API that accepts Latchkey's access tokens. JWT tokens (issued for this resource,
 * RFC 9068) are verified against Latchkey's JWKS; opaque ones are introspected
 * (RFC 7662) with this API's own client credentials. Either way the token must name
 * this API in `aud` and carry one of its scopes: a token for another API, or one made
 * for userinfo (no `aud`), is refused with `invalid_token` (RFC 6750 §3.1). Three
 * routes show the three kinds of caller; one also shows RFC 9470 step-up.
 */
export interface ResourceServerOptions {
  issuer: string;
  /** This API's resource indicator: the `aud` its JWT tokens carry. */
  audience: string;
  /** A Latchkey client registered with --can-introspect, for opaque tokens. */
  introspection: { clientId: string; clientSecret: string };
  /** This API's scopes: every token must carry at least one. */
  scopes: string[];
  /** The scope the service route needs. */
  serviceScope: string;
}

/**
 * Who is calling, as the three kinds of caller that API-key systems knew:
 * - `user`: a person's own sign-in (authorization code flow): `sub` is the user.
 * - `api_key`: a user's API key (client credentials, made on the Latchkey account page):
 *   `sub` is the key, `owner` the user it acts for.
 * - `service`: a machine client the operator registered: `sub` is the client, no owner.
 */
export interface Caller {
  kind: 'user' | 'api_key' | 'service';
  sub: string;
  /** The user a call is made for: the signed-in user, or the owner of the API key. */
  user?: string;
  clientId: string;
  scopes: string[];
  acr?: string;
  amr?: string[];
}

const LEVELS = ['pwd', 'phr', 'phrh'];

class Unauthorized extends Error {
  constructor(readonly challenge: string, readonly status = 401) {
    super(challenge);
  }
}

export function createResourceServer(options: ResourceServerOptions): Koa {
  const jwks = createRemoteJWKSet(new URL(`${options.issuer}/jwks`));
  const introspectionEndpoint = `${options.issuer}/token/introspection`;

  async function authenticate(ctx: Context): Promise<Caller> {
    const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(ctx.get('authorization'));
    if (!match) throw new Unauthorized('Bearer');
    const token = match[1]!;
    let claims: JWTPayload & Record<string, unknown>;
    if (token.split('.').length === 3) {
      try {
        ({ payload: claims } = await jwtVerify(token, jwks, {
          issuer: options.issuer,
          audience: options.audience,
          typ: 'at+jwt', // RFC 9068 §4: never accept an ID token as an access token
          algorithms: ['ES256', 'RS256'],
        }));
      } catch {
        throw new Unauthorized('Bearer error="invalid_token"');
      }
    } else {
      const res = await fetch(introspectionEndpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(options.introspection.clientId)}:${encodeURIComponent(options.introspection.clientSecret)}`).toString('base64')}`,
        },
        body: new URLSearchParams({ token }).toString(),
      });
      claims = (await res.json()) as JWTPayload & Record<string, unknown>;
      if (!res.ok || claims.active !== true) throw new Unauthorized('Bearer error="invalid_token"');
      // Introspection answers for any active token; only one audienced here is for this API.
      const aud = claims.aud === undefined ? [] : Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (!aud.includes(options.audience)) throw new Unauthorized('Bearer error="invalid_token", error_description="the token is not for this API"');
    }
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    if (!scopes.some((s) => options.scopes.includes(s))) {
      throw new Unauthorized('Bearer error="invalid_token", error_description="the token carries none of this API\'s scopes"');
    }
    // RFC 9449 §7.2: a DPoP-bound token (cnf.jkt, in the JWT or in the introspection
    // response, §6) must never pass as a bearer token. This API speaks Bearer only.
    const cnf = claims.cnf as { jkt?: unknown } | undefined;
    if (cnf?.jkt !== undefined) throw new Unauthorized('Bearer error="invalid_token", error_description="a DPoP-bound token needs proof of possession"');
    const clientId = String(claims.client_id);
    // A client-credentials token has no signed-in user: its subject is the client itself;
    // a user's API key says whose it is in `owner`.
    const owner = typeof claims.owner === 'string' && claims.owner ? claims.owner : undefined;
    const isUser = !owner && typeof claims.sub === 'string' && claims.sub !== clientId;
    const kind = owner ? 'api_key' : isUser ? 'user' : 'service';
    return {
      kind,
      sub: String(claims.sub ?? clientId),
      ...(kind === 'user' ? { user: String(claims.sub) } : owner ? { user: owner } : {}),
      clientId,
      scopes,
      ...(typeof claims.acr === 'string' ? { acr: claims.acr } : {}),
      ...(Array.isArray(claims.amr) ? { amr: claims.amr as string[] } : {}),
    };
  }

  const app = new Koa();
  app.use(async (ctx) => {
    try {
      const caller = await authenticate(ctx);
      switch (ctx.path) {
        case '/me': // users only: a person's own sign-in, not a key or a service
          if (caller.kind !== 'user') throw new Unauthorized('Bearer error="invalid_token", error_description="a user token is needed"');
          ctx.body = { sub: caller.sub, acr: caller.acr, amr: caller.amr };
          return;
        case '/me/sensitive': // users who signed in with a passkey (RFC 9470)
          if (caller.kind !== 'user') throw new Unauthorized('Bearer error="invalid_token", error_description="a user token is needed"');
          if (LEVELS.indexOf(caller.acr ?? '') < LEVELS.indexOf('phr')) {
            throw new Unauthorized('Bearer error="insufficient_user_authentication", error_description="a passkey sign-in is required", acr_values="phr"');
          }
          ctx.body = { sub: caller.sub, acr: caller.acr, secret: 'only for passkey sign-ins' };
          return;
        case '/service': // services only: the operator's machine clients with the service scope, not a user's key
          if (caller.kind !== 'service') throw new Unauthorized('Bearer error="invalid_token", error_description="a service token is needed"');
          if (!caller.scopes.includes(options.serviceScope)) {
            throw new Unauthorized(`Bearer error="insufficient_scope", scope="${options.serviceScope}"`, 403);
          }
          ctx.body = { client_id: caller.clientId, scopes: caller.scopes };
          return;
        case '/either': // anyone with a valid token for this API: a user, a user's key, or a service
          ctx.body = { kind: caller.kind, sub: caller.sub, user: caller.user, client_id: caller.clientId };
          return;
        default:
          ctx.status = 404;
          ctx.body = { error: 'not_found' };
      }
    } catch (err) {
      if (!(err instanceof Unauthorized)) throw err;
      ctx.status = err.status;
      ctx.set('WWW-Authenticate', err.challenge);
      ctx.body = { error: /error="([^"]+)"/.exec(err.challenge)?.[1] ?? 'invalid_request' };
    }
  });
  return app;
}

export async function startResourceServer(options: ResourceServerOptions & { port: number; host?: string }): Promise<Server> {
  const server = createServer(createResourceServer(options).callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject); // a busy port: a readable failure, not a hang
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
