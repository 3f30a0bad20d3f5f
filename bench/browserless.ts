import { createHash, randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';

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
 * The smallest user agent that can walk Latchkey's sign-in: a cookie jar, manual
 * redirects, and the CSRF field read from the page. Each sign-in starts a fresh jar
 * (a new browser), so every iteration really signs in.
 */
export class Jar {
  private cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  store(res: Reply): void {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.slice(0, line.indexOf(';') === -1 ? undefined : line.indexOf(';'));
      const eq = pair.indexOf('=');
      const value = pair.slice(eq + 1);
      if (value) this.cookies.set(pair.slice(0, eq), value);
      else this.cookies.delete(pair.slice(0, eq));
    }
  }
}

export async function request(jar: Jar, url: string, init: { method?: string; body?: string; type?: string; headers?: Record<string, string> } = {}) {
  const res = await send(url, {
    method: init.method ?? 'GET',
    headers: { cookie: jar.header(), ...(init.type ? { 'content-type': init.type } : {}), ...init.headers },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  jar.store(res);
  return res;
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

export function expectStatus(res: Reply, status: number, step: string): void {
  if (res.status !== status) throw new Error(`${step}: expected ${status}, got ${res.status}`);
}

export function location(res: Reply, base: string): string {
  const to = res.headers.get('location');
  if (!to) throw new Error(`no redirect from ${res.url || base}`);
  return new URL(to, base).toString();
}

export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF field on the page');
  return match[1]!;
}

/** Follows redirects until the redirect_uri; returns the code. */
export async function followToCode(jar: Jar, url: string, redirectUri: string): Promise<string> {
  let current = url;
  for (let i = 0; i < 5; i += 1) {
    if (current.startsWith(redirectUri)) {
      const code = new URL(current).searchParams.get('code');
      if (!code) throw new Error(`no code at the redirect URI: ${current}`);
      return code;
    }
    const res = await request(jar, current);
    await res.arrayBuffer();
    current = location(res, current);
  }
  throw new Error('too many redirects');
}

export async function redeem(issuer: string, client: { id: string; secret: string }, code: string, verifier: string, redirectUri: string) {
  const res = await send(`${issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }).toString(),
  });
  const body = (await res.json()) as { id_token?: string };
  if (res.status !== 200 || !body.id_token) throw new Error(`token: ${res.status} ${JSON.stringify(body)}`);
  return body;
}
