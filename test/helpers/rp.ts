import * as oidc from 'openid-client';
import { basicAuth } from './client-auth.js';
import type { TestLatchkey } from './latchkey.js';
import { UserAgent, type Page } from './user-agent.js';

/** A relying party built on openid-client, the way an app nobody on the team wrote would be. */
export interface TestRp {
  config: oidc.Configuration;
  clientId: string;
  clientSecret: string | undefined;
  redirectUri: string;
}

export async function relyingParty(lk: Pick<TestLatchkey, 'issuer'>, client: { clientId: string; clientSecret: string | undefined; redirectUri: string }): Promise<TestRp> {
  const config = await oidc.discovery(
    new URL(lk.issuer),
    client.clientId,
    undefined,
    client.clientSecret ? oidc.ClientSecretBasic(client.clientSecret) : oidc.None(),
    { execute: [oidc.allowInsecureRequests] },
  );
  return { config, ...client };
}

export interface Started {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

/** An authorization request's parameters (PKCE, state, nonce), and the checks to redeem its code with. */
export async function authorizationRequest(rp: TestRp, extra: Record<string, string> = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const params: Record<string, string> = {
    redirect_uri: rp.redirectUri,
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  };
  return { params, verifier, state, nonce };
}

export async function startAuthorization(rp: TestRp, extra: Record<string, string> = {}): Promise<Started> {
  const { params, ...checks } = await authorizationRequest(rp, extra);
  return { url: oidc.buildAuthorizationUrl(rp.config, params), ...checks };
}

export function userAgentFor(rp: TestRp): UserAgent {
  const target = new URL(rp.redirectUri);
  return new UserAgent((u) => u.origin === target.origin && u.pathname === target.pathname);
}

export function isLoginPage(page: Page): boolean {
  return page.status === 200 && page.html.includes('name="password"') && page.html.includes('/password"');
}

/** The skippable "add a passkey" screen shown after a password sign-in. */
export function isEnrolOffer(page: Page): boolean {
  return page.status === 200 && page.html.includes('/enrol/skip"');
}

/** Submits the password form and declines the passkey offer if it comes. */
export async function submitPassword(ua: UserAgent, page: Page, user: { email: string; password: string }): Promise<Page> {
  const next = await ua.submit(page, '/password', { email: user.email, password: user.password });
  return isEnrolOffer(next) ? ua.submit(next, '/enrol/skip') : next;
}

/** Signs in through Latchkey's hosted page; returns the callback URL the browser lands on. */
export async function signIn(
  ua: UserAgent,
  rp: TestRp,
  user: { email: string; password: string },
  extra: Record<string, string> = {},
): Promise<{ callback: URL; started: Started }> {
  const started = await startAuthorization(rp, extra);
  let page = await ua.go(started.url.toString());
  if (isLoginPage(page)) page = await submitPassword(ua, page, user);
  if (page.status !== 0) throw new Error(`sign-in did not return to the app: ${page.status} ${page.url}\n${page.html.slice(0, 1500)}`);
  return { callback: new URL(page.url), started };
}

export async function redeem(rp: TestRp, callback: URL, started: Started) {
  return oidc.authorizationCodeGrant(rp.config, callback, {
    pkceCodeVerifier: started.verifier,
    expectedState: started.state,
    expectedNonce: started.nonce,
    idTokenExpected: true,
  });
}

/** A raw token-endpoint call, for asserting exact error responses. */
export async function tokenEndpoint(lk: Pick<TestLatchkey, 'issuer'>, params: Record<string, string>, basic?: { id: string; secret: string }) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers.authorization = basicAuth(basic.id, basic.secret);
  const res = await fetch(`${lk.issuer}/token`, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export { oidc };
