// The baseline for every protocol workload: plain oidc-provider, its in-memory adapter,
// one ES256 key, two static clients (a machine client and a code-flow web app), and a
// minimal login that does what any real one must: one argon2id verify of the typed
// password (Latchkey's parameters, its argon2 owner). No pages, CSRF, rate limits,
// lockout, audit or database: what is left of Latchkey's cost after dividing by this
// is the price of those.
import { generateKeyPairSync } from 'node:crypto';
import { hashPassword, verifyPassword } from '../src/accounts/passwords.js';
import { storeAdapters } from './baseline-stores.js';

// The engine as published (the npm alias `oidc-provider-published`, which patch-package
// leaves alone): plain oidc-provider, what an operator would build on instead of Latchkey.
// BENCH_BASELINE_ENGINE=installed runs the engine Latchkey runs, with Latchkey's fixes
// (patches/README.md), to see how much of a ratio those fixes make.
const engine = process.env.BENCH_BASELINE_ENGINE === 'installed' ? 'oidc-provider' : 'oidc-provider-published';
const { default: Provider } = (await import(engine)) as typeof import('oidc-provider');

const port = Number(process.env.PORT);
const issuer = `http://localhost:${port}`;
const secret = process.env.BASELINE_SECRET!;
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PASSWORD = 'correct horse battery staple';
const passwordHash = await hashPassword(PASSWORD);

// BENCH_BASELINE_STORES=postgres-redis (fair.ts): the engine's models on real stores (baseline-stores.ts).
const stores = process.env.BASELINE_DATABASE_URL;
const adapter = stores ? await storeAdapters(stores, process.env.BASELINE_REDIS_URL!, process.env.BASELINE_REDIS_PREFIX!) : undefined;

const provider = new Provider(issuer, {
  ...(adapter ? { adapter } : {}),
  clients: [
    {
      client_id: 'baseline',
      client_secret: secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    },
    {
      client_id: 'web',
      client_secret: secret,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [process.env.BASELINE_REDIRECT_URI!],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    },
  ],
  jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' }] },
  findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
  scopes: ['openid', 'offline_access'],
  rotateRefreshToken: true,
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (_ctx, _client, oneOf) => oneOf,
      getResourceServerInfo: async () => ({
        scope: 'reports:read',
        audience: process.env.BASELINE_RESOURCE!,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
});

const form = (uid: string) =>
  `<!doctype html><title>Sign in</title><form method="post" action="/interaction/${uid}/password">` +
  `<input name="email" type="email"><input name="password" type="password"><button>Sign in</button></form>`;

async function readForm(req: import('node:http').IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// The login: GET shows the form, POST verifies the password and finishes login and
// consent in one step (the grant holds the requested scopes), as a first-party app would.
provider.use(async (ctx, next) => {
  const match = /^\/interaction\/([\w-]+)(\/password)?$/.exec(ctx.path);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (ctx.method === 'GET') {
    ctx.type = 'html';
    ctx.body = form(details.uid);
    return;
  }
  const body = await readForm(ctx.req);
  if (!(await verifyPassword(passwordHash, body.get('password') ?? '')).ok) {
    ctx.status = 401;
    ctx.body = 'wrong password';
    return;
  }
  const accountId = 'alice';
  const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
  grant.addOIDCScope(String(details.params.scope));
  const grantId = await grant.save();
  await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
  ctx.respond = false;
});

provider.listen(port, '127.0.0.1');
// An orderly exit on SIGTERM, so a --cpu-prof profile (BENCH_BASELINE_NODE_ARGS) is written.
process.once('SIGTERM', () => process.exit(0));
