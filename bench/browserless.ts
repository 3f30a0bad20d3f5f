import { createHash, randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { basicAuth } from '../test/helpers/client-auth.js';
import { UserAgent, type Page } from '../test/helpers/user-agent.js';

// node:http with keep-alive costs this process far less CPU per request than fetch, and
// this process shares the machine's two cores with the server being measured.
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** The little of a fetch Response the benches read. */
export interface Reply {
  status: number;
  headers: { get(name: string): string | null; getSetCookie(): string[] };
  url: string;
  text(): Promise<string>;
  json(): Promise<unknown>;
  arrayBuffer(): Promise<void>;
}

export function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          url,
          headers: {
            get: (name) => {
              const v = res.headers[name.toLowerCase()];
              return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
            },
            getSetCookie: () => res.headers['set-cookie'] ?? [],
          },
          text: async () => body,
          json: async () => JSON.parse(body),
          arrayBuffer: async () => {},
        });
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/**
 * A new browser for one sign-in: the tests' cookie-jar user agent over this file's
 * keep-alive transport, stopping at the client's redirect URI. Each iteration takes a
 * fresh one, so every iteration really signs in.
 */
export function browser(redirectUri: string): UserAgent {
  return new UserAgent((u) => u.toString().startsWith(redirectUri), send);
}

export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeUrl(issuer: string, clientId: string, redirectUri: string, challenge: string): string {
  return `${issuer}/auth?${new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: randomBytes(8).toString('base64url'),
  })}`;
}

export function expectStatus(res: { status: number }, status: number, step: string): void {
  if (res.status !== status) throw new Error(`${step}: expected ${status}, got ${res.status}`);
}

export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF field on the page');
  return match[1]!;
}

/** The code at the redirect URI where a sign-in ended. */
export function codeAt(page: Page, step: string): string {
  if (page.status !== 0) throw new Error(`${step}: expected the redirect URI, got ${page.status} at ${page.url}`);
  const code = new URL(page.url).searchParams.get('code');
  if (!code) throw new Error(`no code at the redirect URI: ${page.url}`);
  return code;
}

export async function redeem(issuer: string, client: { id: string; secret: string }, code: string, verifier: string, redirectUri: string) {
  const res = await send(`${issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuth(client.id, client.secret),
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }).toString(),
  });
  const body = (await res.json()) as { id_token?: string };
  if (res.status !== 200 || !body.id_token) throw new Error(`token: ${res.status} ${JSON.stringify(body)}`);
  return body;
}
