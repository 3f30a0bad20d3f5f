/**
 * The protocol workloads, each one function run the same way against the oidc-provider
 * baseline and against Latchkey, so the load generator is identical on both sides.
 */
import { randomBytes } from 'node:crypto';
import { basicAuth } from '../test/helpers/client-auth.js';
import { browser, codeAt, expectStatus, pkce, redeem, send } from './browserless.js';
import { deviceCookieName } from '../src/interactions/device-cookie.js';
import type { UserAgent } from '../test/helpers/user-agent.js';

export const RESOURCE = 'https://api.example.com/reports';
export const PASSWORD = 'correct horse battery staple';
/**
 * Sign-ins spread over this many accounts, round robin, as real traffic comes from many
 * people: Latchkey checks one password per account at a time (password-login.ts), so
 * one account signing in from every loop at once would measure that queue instead.
 */
export const ACCOUNTS = 256;
let nextAccount = 0;
export const emailOf = (i: number) => `user${i}@example.com`;

export interface Target {
  label: string;
  issuer: string;
  /** The machine client's Basic credentials. */
  machineAuth: string;
  /** The code-flow web app. */
  web: { id: string; secret: string };
  redirectUri: string;
  jwksUri: string;
}

export interface Workload {
  name: string;
  /** The group BENCH_ONLY picks it by. */
  group: 'password' | 'machine' | 'metadata';
  concurrency: number;
  /** Prepares whatever the iterations need and returns one iteration. */
  prepare(target: Target): Promise<() => Promise<void>>;
}

async function post(url: string, auth: string, params: Record<string, string>): Promise<Record<string, unknown>> {
  const res = await send(url, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/**
 * authorize → sign-in page → POST the form → code → token, in a new browser, or in the
 * given one as signing in again (`as`: its account and its browser).
 */
export async function signIn(target: Target, scope = 'openid', as?: { email: string; ua: UserAgent }): Promise<Record<string, unknown>> {
  const ua = as?.ua ?? browser(target.redirectUri);
  const { verifier, challenge } = pkce();
  const params = new URLSearchParams({
    client_id: target.web.id,
    response_type: 'code',
    scope,
    redirect_uri: target.redirectUri,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: randomBytes(8).toString('base64url'),
    // OIDC Core §11: offline_access is granted only with prompt=consent.
    ...(scope.includes('offline_access') ? { prompt: 'consent' } : {}),
  });
  const page = await ua.go(`${target.issuer}/auth?${params}`);
  expectStatus(page, 200, 'sign-in page');
  const email = as?.email ?? emailOf(nextAccount++ % ACCOUNTS);
  const done = await ua.submit(page, '/password', { email, password: PASSWORD });
  return redeem(target.issuer, target.web, codeAt(done, 'sign-in form'), verifier, target.redirectUri);
}

const concurrency = (fallback: number) => Number(process.env.BENCH_CONCURRENCY ?? fallback);

async function getOk(url: string): Promise<void> {
  const res = await send(url);
  await res.text();
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
}

export const WORKLOADS: Workload[] = [
  {
    name: 'password sign-in, authorize → token',
    group: 'password',
    concurrency: concurrency(4),
    prepare: async (target) => async () => void (await signIn(target)),
  },
  {
    // The sign-in most people make: their session has ended and they sign in again in the
    // browser they used before. Latchkey knows the browser by its device cookie (OWASP
    // "device cookies"), so no "new sign-in" mail is sent and the browser's own failure
    // budget applies; the session is gone as in the line above. The baseline has no such
    // cookie: for it this is the line above again.
    name: 'password sign-in, returning browser',
    group: 'password',
    concurrency: concurrency(4),
    async prepare(target) {
      const browsers = Array.from({ length: ACCOUNTS }, (_, i) => ({ email: emailOf(i), ua: browser(target.redirectUri) }));
      // Each browser signs in once first (four at a time), as the workload above does.
      for (let i = 0; i < browsers.length; i += 4) await Promise.all(browsers.slice(i, i + 4).map((b) => signIn(target, 'openid', b)));
      const device = deviceCookieName(target.issuer);
      let next = 0;
      return async () => {
        const returning = browsers[next++ % browsers.length]!;
        // The signed cookie and its signature stay; the session and interaction cookies go.
        returning.ua.clearCookies((name) => name === device || name === `${device}.sig`);
        await signIn(target, 'openid', returning);
      };
    },
  },
  {
    name: 'refresh token (rotating)',
    group: 'password',
    concurrency: concurrency(8),
    async prepare(target) {
      // A pool of live refresh tokens: each iteration redeems one and returns its successor.
      const pool: string[] = [];
      for (let i = 0; i < 12; i++) {
        const tokens = await signIn(target, 'openid offline_access');
        if (typeof tokens.refresh_token !== 'string') throw new Error(`${target.label}: no refresh token issued`);
        pool.push(tokens.refresh_token);
      }
      return async () => {
        const token = pool.shift()!;
        const body = await post(`${target.issuer}/token`, basicAuth(target.web.id, target.web.secret), { grant_type: 'refresh_token', refresh_token: token });
        pool.push(String(body.refresh_token));
      };
    },
  },
  {
    name: 'client credentials, opaque',
    group: 'machine',
    concurrency: concurrency(8),
    prepare: async (target) => async () => void (await post(`${target.issuer}/token`, target.machineAuth, { grant_type: 'client_credentials' })),
  },
  {
    name: 'client credentials, JWT ES256',
    group: 'machine',
    concurrency: concurrency(8),
    prepare: async (target) => async () =>
      void (await post(`${target.issuer}/token`, target.machineAuth, { grant_type: 'client_credentials', scope: 'reports:read', resource: RESOURCE })),
  },
  {
    name: 'introspection (opaque)',
    group: 'machine',
    concurrency: concurrency(8),
    async prepare(target) {
      const token = String((await post(`${target.issuer}/token`, target.machineAuth, { grant_type: 'client_credentials' })).access_token);
      return async () => {
        const body = await post(`${target.issuer}/token/introspection`, target.machineAuth, { token });
        if (body.active !== true) throw new Error('token not active');
      };
    },
  },
  {
    name: 'discovery',
    group: 'metadata',
    concurrency: concurrency(8),
    prepare: async (target) => () => getOk(`${target.issuer}/.well-known/openid-configuration`),
  },
  {
    name: 'JWKS',
    group: 'metadata',
    concurrency: concurrency(8),
    prepare: async (target) => () => getOk(target.jwksUri),
  },
];

/** Each workload's target ratio to its oidc-provider baseline (issue 13). */
export function targetRatio(workload: Workload): number {
  return workload.group === 'metadata' ? 2 : 0.8;
}
