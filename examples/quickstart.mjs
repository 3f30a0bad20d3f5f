// The smallest relying party: `node examples/quickstart.mjs`, then open
// http://localhost:8080 and sign in. Needs LATCHKEY_CLIENT_ID / LATCHKEY_CLIENT_SECRET
// from `latchkey client create` (see README), and Latchkey running on :3000.
import { createServer } from 'node:http';
import * as oidc from 'openid-client';

const issuer = new URL(process.env.LATCHKEY_ISSUER ?? 'http://localhost:3000');
const redirectUri = 'http://localhost:8080/callback';
const config = await oidc.discovery(issuer, process.env.LATCHKEY_CLIENT_ID, process.env.LATCHKEY_CLIENT_SECRET, undefined, {
  // Only because the local issuer is plain http; never in production.
  execute: issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
});

// One pending sign-in is enough for a demo; a real app keeps these in its session.
let pending;

createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost:8080');
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
}).listen(8080, '127.0.0.1', () => console.log('Open http://localhost:8080 to sign in with Latchkey'));
