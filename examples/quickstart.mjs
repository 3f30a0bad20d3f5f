// The smallest relying party: `npm run example:quickstart` (or `node examples/quickstart.mjs`),
// then open http://localhost:8080 and sign in. Needs LATCHKEY_CLIENT_ID /
// LATCHKEY_CLIENT_SECRET from `latchkey client create` (see README), with
// http://localhost:PORT/callback among its redirect URIs, and Latchkey running
// (LATCHKEY_ISSUER, default http://localhost:3000). PORT defaults to 8080.
import { createServer } from 'node:http';
import * as oidc from 'openid-client';

const fail = (message) => {
  process.stderr.write(`quickstart: ${message}\n`);
  process.exit(1);
};

const missing = ['LATCHKEY_CLIENT_ID', 'LATCHKEY_CLIENT_SECRET'].filter((name) => !process.env[name]);
if (missing.length) fail(`set ${missing.join(' and ')} (from \`npm run latchkey -- client create … --json\`, see README "Sign in from your app")`);
const port = Number(process.env.PORT ?? 8080);
if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`PORT must be a port number, not ${JSON.stringify(process.env.PORT)}`);

const base = `http://localhost:${port}`;
const issuer = new URL(process.env.LATCHKEY_ISSUER ?? 'http://localhost:3000');
const redirectUri = `${base}/callback`;
const config = await oidc
  .discovery(issuer, process.env.LATCHKEY_CLIENT_ID, process.env.LATCHKEY_CLIENT_SECRET, undefined, {
    // Only because the local issuer is plain http; never in production.
    execute: issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
  })
  .catch((err) => fail(`cannot read ${issuer.origin}/.well-known/openid-configuration (is Latchkey running?): ${err.cause?.code ?? err.message}`));

// One pending sign-in is enough for a demo; a real app keeps these in its session.
let pending;

createServer(async (req, res) => {
  const url = new URL(req.url, base);
  try {
    if (url.pathname === '/') {
      const verifier = oidc.randomPKCECodeVerifier();
      pending = { verifier, state: oidc.randomState(), nonce: oidc.randomNonce() };
      const authUrl = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      });
      res.writeHead(302, { location: authUrl.href }).end();
    } else if (url.pathname === '/callback' && pending) {
      const tokens = await oidc.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
      });
      pending = undefined;
      const claims = tokens.claims();
      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id_token_claims: claims, userinfo }, null, 2));
    } else {
      res.writeHead(404).end();
    }
  } catch (err) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end(`sign-in failed: ${err.message}\n`);
  }
})
  .once('error', (err) => fail(`cannot listen on port ${port}: ${err.code ?? err.message}`))
  .listen(port, '127.0.0.1', () => console.log(`Open ${base} to sign in with Latchkey`));
