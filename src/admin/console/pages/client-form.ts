import type { ResourceGrant } from '../../../clients/client-resources-repo.js';
import type { ClientInput } from '../../../clients/metadata.js';
import { lines, text, ticked } from './kit.js';

/** The OpenID scopes a web client may be given (clients/metadata.ts OIDC_SCOPES; openid always). */
export const WEB_SCOPES = ['email', 'profile', 'offline_access'] as const;

/** What the client forms show and send back: plain strings and flags, refilled after an error. */
export interface ClientFormValues {
  name: string;
  kind: 'web' | 'machine';
  redirectUris: string;
  postLogoutRedirectUris: string;
  scopes: string[];
  public: boolean;
  thirdParty: boolean;
  /** `<indicator> <scope>` for each granted scope (an indicator is a URI: no spaces). */
  grants: string[];
}

export function formValues(body: unknown): ClientFormValues {
  const all = (name: string) => {
    const v = (body as Record<string, unknown> | undefined)?.[name];
    return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string').slice(0, 200);
  };
  return {
    name: text(body, 'name', 200),
    kind: text(body, 'kind') === 'machine' ? 'machine' : 'web',
    redirectUris: text(body, 'redirectUris', 8000),
    postLogoutRedirectUris: text(body, 'postLogoutRedirectUris', 8000),
    scopes: all('scope').filter((s) => (WEB_SCOPES as readonly string[]).includes(s)),
    public: ticked(body, 'public'),
    thirdParty: ticked(body, 'thirdParty'),
    grants: all('grant').map((g) => g.slice(0, 600)),
  };
}

/** The ticked `<indicator> <scope>` boxes as one grant per resource. */
export function grantsOf(values: ClientFormValues): ResourceGrant[] {
  const byIndicator = new Map<string, string[]>();
  for (const grant of values.grants) {
    const at = grant.lastIndexOf(' ');
    if (at <= 0) continue;
    const indicator = grant.slice(0, at);
    byIndicator.set(indicator, [...(byIndicator.get(indicator) ?? []), grant.slice(at + 1)]);
  }
  return [...byIndicator].map(([indicator, scopes]) => ({ indicator, scopes }));
}

export function grantValues(grants: readonly ResourceGrant[]): string[] {
  return grants.flatMap((g) => g.scopes.map((s) => `${g.indicator} ${s}`));
}

/**
 * A web app (authorization code + PKCE; refresh tokens with offline_access) or a machine
 * client (client credentials, API scopes only), as the CLI's `client create` makes them.
 */
export function clientInput(values: ClientFormValues): ClientInput {
  const resources = grantsOf(values);
  if (values.kind === 'machine') {
    return { name: values.name, redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'], scope: '', public: false, thirdParty: false, resources };
  }
  const offline = values.scopes.includes('offline_access');
  return {
    name: values.name,
    redirectUris: lines(values.redirectUris),
    postLogoutRedirectUris: lines(values.postLogoutRedirectUris),
    grantTypes: offline ? ['authorization_code', 'refresh_token'] : ['authorization_code'],
    scope: ['openid', ...values.scopes].join(' '),
    public: values.public,
    thirdParty: values.thirdParty,
    resources,
  };
}

/** Which field a client refusal is about, from its message (clients/metadata.ts words them). */
export function clientField(message: string): string {
  if (/post.?logout/i.test(message)) return 'postLogoutRedirectUris';
  if (/redirect|absolute URL|fragment/i.test(message)) return 'redirectUris';
  if (/resource|scope|indicator/i.test(message)) return 'grants';
  if (/public|grant type|client_credentials/i.test(message)) return 'kind';
  return 'name';
}
