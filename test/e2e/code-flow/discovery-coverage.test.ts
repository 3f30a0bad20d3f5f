import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { backends, type OpenBackend } from '../../helpers/backends.js';
import { startLatchkey, type TestLatchkey } from '../../helpers/latchkey.js';

/** A test that proves an advertised feature works: its file under test/e2e/ and its title. */
interface Proof {
  file: string;
  title: string;
}
const proof = (file: string, title: string): Proof => ({ file, title });

const SIGN_IN = proof('code-flow/sign-in.test.ts', 'a relying party signs a user in and gets ID token, access token and userinfo');
const DISCOVERY = proof('code-flow/authorization-request.test.ts', 'discovery publishes code flow only, S256 only, acr values and both signing algorithms');
const PKCE = proof('code-flow/authorization-request.test.ts', 'PKCE is required, plain refused, implicit refused');
const REFRESH = proof('code-flow/refresh-tokens.test.ts', 'offline_access gives refresh tokens that rotate; reusing a rotated one revokes the grant');
const INTROSPECTION = proof('code-flow/introspection-revocation.test.ts', "introspection and revocation only for the client's own tokens");
const LOGOUT = proof('code-flow/logout.test.ts', 'RP-initiated logout: confirmation page, then back to post_logout_redirect_uri, session gone');
const LOGOUT_ENDED = proof(
  'code-flow/auto-submit-pages.test.ts',
  'form_post lands on the redirect_uri with code and state; logout from a second app after the first ended the session reaches its post_logout_redirect_uri',
);
const FRAGMENT = proof('code-flow/response-modes.test.ts', 'response_mode=fragment: code, state and iss come back in the fragment');
const PAR = proof('code-flow/pushed-authorization.test.ts', 'PAR: the request is pushed, the browser carries only request_uri, the code redeems; the request_uri is single use');
const PUBLIC = proof('code-flow/public-clients.test.ts', 'none: a public client redeems its code with PKCE and no secret; a confidential client cannot skip its secret');
const DPOP = proof('code-flow/dpop.test.ts', 'DPoP: a public client gets access and refresh tokens bound to its key, after a server nonce');
const DPOP_ALGS = proof(
  'machine-clients/dpop.test.ts',
  'DPoP with every advertised algorithm: bound tokens, cnf.jkt in introspection and JWT, refused as bearer by the example API',
);
const ESSENTIAL_ACR = proof('passkeys/step-up.test.ts', 'an essential acr claim asks for the passkey too, and the ID token carries the value it named (OIDC Core §5.5.1.1)');
const STEP_UP = proof('passkeys/step-up.test.ts', 'password session + acr_values=phr → step-up page without a password field → phr, same sub');
const HARDWARE_ATTESTED = proof('attestation/hardware-attested.test.ts', 'a valid chain to a PEM root (via an intermediate), BE=0 → phrh / hwk; the account page and the audit say so');
const CLIENT_CREDENTIALS = proof('machine-clients/client-credentials.test.ts', 'client credentials: an opaque token with the allowed scope, no ID or refresh token');
const SECRET_POST = proof('machine-clients/client-authentication.test.ts', 'wrong secret → invalid_client; client_secret_post clients');
const PRIVATE_KEY_JWT = proof('machine-clients/client-authentication.test.ts', 'private_key_jwt: signed assertions, single use');
const ASSERTION_ALGS = proof('machine-clients/client-authentication.test.ts', 'private_key_jwt with every advertised signing algorithm');
const REGISTRATION = proof('machine-clients/registration.test.ts', 'off by default; with an initial access token a client registers, and its secret is stored hashed');
const RS256_ID_TOKEN = proof('machine-clients/registration.test.ts', 'a registered web app asks for RS256 ID tokens and gets them, after consent');

/**
 * Everything discovery may advertise, each value with the test that proves it works.
 * A field or value discovery advertises and this map lacks fails the walk below: a
 * feature switched on (by an engine upgrade or a config change) needs a test first.
 */
const PROVEN: Record<string, Proof | Record<string, Proof>> = {
  issuer: SIGN_IN,
  authorization_endpoint: SIGN_IN,
  token_endpoint: SIGN_IN,
  userinfo_endpoint: SIGN_IN,
  jwks_uri: DISCOVERY,
  end_session_endpoint: LOGOUT,
  introspection_endpoint: INTROSPECTION,
  revocation_endpoint: INTROSPECTION,
  registration_endpoint: REGISTRATION,
  pushed_authorization_request_endpoint: PAR,
  authorization_response_iss_parameter_supported: SIGN_IN,
  claims_parameter_supported: ESSENTIAL_ACR,
  acr_values_supported: { pwd: SIGN_IN, phr: STEP_UP, phrh: HARDWARE_ATTESTED },
  claims_supported: {
    sub: SIGN_IN,
    acr: SIGN_IN,
    amr: SIGN_IN,
    auth_time: SIGN_IN,
    email: SIGN_IN,
    email_verified: SIGN_IN,
    name: SIGN_IN,
    iss: SIGN_IN,
    sid: PUBLIC,
  },
  claim_types_supported: { normal: SIGN_IN },
  code_challenge_methods_supported: { S256: PKCE },
  grant_types_supported: { authorization_code: SIGN_IN, refresh_token: REFRESH, client_credentials: CLIENT_CREDENTIALS },
  response_types_supported: { code: SIGN_IN },
  response_modes_supported: { query: SIGN_IN, fragment: FRAGMENT, form_post: LOGOUT_ENDED },
  scopes_supported: { openid: SIGN_IN, email: SIGN_IN, profile: SIGN_IN, offline_access: REFRESH },
  subject_types_supported: { public: SIGN_IN },
  token_endpoint_auth_methods_supported: { client_secret_basic: SIGN_IN, client_secret_post: SECRET_POST, private_key_jwt: PRIVATE_KEY_JWT, none: PUBLIC },
  token_endpoint_auth_signing_alg_values_supported: { ES256: ASSERTION_ALGS, RS256: ASSERTION_ALGS, PS256: ASSERTION_ALGS, EdDSA: ASSERTION_ALGS },
  id_token_signing_alg_values_supported: { ES256: SIGN_IN, RS256: RS256_ID_TOKEN },
  dpop_signing_alg_values_supported: { ES256: DPOP, Ed25519: DPOP_ALGS, EdDSA: DPOP_ALGS },
};

const E2E = dirname(dirname(fileURLToPath(import.meta.url)));

describe('discovery advertises only what a test proves', () => {
  let open: OpenBackend;
  let lk: TestLatchkey;

  before(async () => {
    open = await backends()[0]!.open();
    // Registration on, so its endpoint is advertised and walked too.
    lk = await startLatchkey(open, { LATCHKEY_INITIAL_ACCESS_TOKEN: 'iat-0123456789abcdef0123456789abcdef' });
  });
  after(async () => {
    await lk?.close();
    await open?.close();
  });

  test('every field and value in /.well-known/openid-configuration has a test behind it', async () => {
    const metadata = (await (await fetch(`${lk.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    const unproven: string[] = [];
    for (const [field, value] of Object.entries(metadata)) {
      if (value === false) continue; // not advertised
      const known = PROVEN[field];
      if (Array.isArray(value)) {
        const byValue = known && !('file' in known) ? (known as Record<string, Proof>) : {};
        for (const item of value) if (!byValue[String(item)]) unproven.push(`${field}: ${String(item)}`);
      } else if (!known || !('file' in known)) {
        unproven.push(`${field}: ${JSON.stringify(value)}`);
      }
    }
    assert.deepEqual(unproven, [], 'advertised in discovery without a test in PROVEN');
  });

  test('every test named in the map exists, under its title', () => {
    const proofs = Object.values(PROVEN).flatMap((p) => ('file' in p ? [p as Proof] : Object.values(p)));
    const missing = proofs.filter((p) => {
      const path = join(E2E, p.file);
      // Titles are compared unescaped: the source writes client\'s for client's.
      return !existsSync(path) || !readFileSync(path, 'utf8').replace(/\\(.)/g, '$1').includes(`'${p.title}'`);
    });
    assert.deepEqual(missing, []);
  });
});
