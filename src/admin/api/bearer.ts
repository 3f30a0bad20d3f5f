import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Clock } from '../../common/clock.js';
import type { AdminScope } from '../../clients/admin-resource.js';
import type { ClientsRepository } from '../../clients/repository.js';
import { ApiProblem } from './problem.js';

export interface AdminCaller {
  clientId: string;
  /** The token's scopes that the client still holds on the admin API now. */
  scopes: ReadonlySet<string>;
}

export interface BearerDeps {
  provider: Provider;
  /** Uncached: a disabled client is refused on its next request, not after the client cache expires. */
  clients: Pick<ClientsRepository, 'loadForAuth'>;
  indicator: string;
  clock: Clock;
}

const REALM = 'latchkey-admin';
// Opaque tokens are base64url of 256 bits by default; anything much longer is not one of ours.
const TOKEN = /^[A-Za-z0-9_-]{16,256}$/;

/** RFC 6750 §3: the challenge; without an error code when no credentials came (§3.1). */
function challenge(error?: string, description?: string, scope?: string): string {
  const parts = [`realm="${REALM}"`];
  if (error) parts.push(`error="${error}"`);
  if (description) parts.push(`error_description="${description}"`);
  if (scope) parts.push(`scope="${scope}"`);
  return `Bearer ${parts.join(', ')}`;
}

const unauthorized = (detail: string, error?: 'invalid_token' | 'invalid_request') =>
  new ApiProblem(401, error === 'invalid_request' ? 'admin.invalid_request' : error ? 'admin.invalid_token' : 'admin.token_required', detail, {
    headers: { 'WWW-Authenticate': challenge(error, error && detail) },
  });

export const insufficientScope = (scope: AdminScope) =>
  new ApiProblem(403, 'admin.insufficient_scope', `this request needs the scope ${scope}`, {
    headers: { 'WWW-Authenticate': challenge('insufficient_scope', `this request needs the scope ${scope}`, scope) },
  });

/**
 * Who is calling the admin API, from a Bearer access token (RFC 6750 §2.1; tokens in a
 * query or form are not accepted). Admin API tokens are opaque (clients/admin-resource.ts)
 * and looked up in the engine's own store through its public ClientCredentials model, so
 * there is no signature or key to get wrong, and a revoked or expired token is simply not
 * found. Refused, all with 401 and a WWW-Authenticate challenge: no token; an unknown,
 * expired or malformed one; a token for another resource (its audience is not
 * `<issuer>/admin/api`); an end user's token (the admin API is for client credentials;
 * admins use the console); a sender-constrained token (no DPoP or mTLS check here: fail
 * closed); and a token of a client that is disabled, expired or deleted now.
 */
export async function authenticate(ctx: Context, deps: BearerDeps): Promise<AdminCaller> {
  const header = ctx.get('authorization');
  if (!header) throw unauthorized('send an access token for the admin API: Authorization: Bearer <token>');
  const match = /^Bearer +(\S+)$/i.exec(header);
  if (!match) throw unauthorized('the Authorization header must be "Bearer <token>"', 'invalid_request');
  const value = match[1]!;
  if (!TOKEN.test(value)) throw unauthorized('the access token is not valid', 'invalid_token');

  const token = await deps.provider.ClientCredentials.find(value);
  if (!token) {
    // Someone's own token (authorization code): say plainly why it does not work here.
    const user = await deps.provider.AccessToken.find(value);
    throw unauthorized(user ? 'the admin API accepts client-credentials tokens only' : 'the access token is not valid, or has expired', 'invalid_token');
  }
  const audiences = Array.isArray(token.aud) ? token.aud : [token.aud];
  if (!audiences.includes(deps.indicator)) throw unauthorized(`the access token is not for ${deps.indicator}`, 'invalid_token');
  if (token.isSenderConstrained()) throw unauthorized('sender-constrained tokens are not accepted here', 'invalid_token');
  const clientId = token.clientId;
  const record = clientId ? await deps.clients.loadForAuth(clientId) : undefined;
  const now = deps.clock();
  if (!record || record.row.disabled_at || (record.row.expires_at && record.row.expires_at <= now)) {
    throw unauthorized('the client of this access token is disabled or gone', 'invalid_token');
  }
  // A user's own API key acts for that user, never as the operator's automation (fails
  // closed even if admin scopes were somehow granted to one).
  if (record.row.owner_account_id) throw unauthorized("a user's API key cannot call the admin API", 'invalid_token');
  // A scope taken from the client since the token was issued no longer counts.
  const granted = new Set(record.row.resources[deps.indicator] ?? []);
  return { clientId: clientId!, scopes: new Set([...token.scopes].filter((s) => granted.has(s))) };
}

export function requireScope(caller: AdminCaller, scope: AdminScope): void {
  if (!caller.scopes.has(scope)) throw insufficientScope(scope);
}
