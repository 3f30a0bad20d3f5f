import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { Command, Option } from 'commander';
import dotenv from 'dotenv';
import { ConfigError, parseConfig, type Config } from '../config/config.js';
import { AppError } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { createAccountsRepo } from '../accounts/accounts-repo.js';
import { checkPasswordPolicy, hashPassword } from '../accounts/passwords.js';
import type { AuthMethod } from '../clients/metadata.js';
import { createClientRegistry } from '../clients/registry.js';
import { createResourcesRepo } from '../clients/resources-repo.js';
import { parseDuration } from '../common/duration.js';
import { migrate } from '../storage/migrate.js';
import { openDb } from '../storage/open.js';
import type { Db } from '../storage/db.js';

dotenv.config({ quiet: true });

/** Bad flags or arguments: the message says which, and is printed as it is. */
class UsageError extends AppError {
  constructor(message: string) {
    super('cli.usage', message);
  }
}

function loadConfig(): Config {
  return parseConfig(process.env);
}

async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDb(loadConfig());
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function readPassword(flag: string | undefined): Promise<string> {
  if (flag !== undefined) return flag;
  if (!process.stdin.isTTY) return readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  // Mute the echo while the password is typed.
  const out = rl as unknown as { _writeToOutput: (s: string) => void };
  const prompt = 'Password: ';
  process.stderr.write(prompt);
  out._writeToOutput = () => {};
  const password = await rl.question('');
  rl.close();
  process.stderr.write('\n');
  return password;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function durationOption(flag: string, value: string): number {
  try {
    return parseDuration(value);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
}

const program = new Command('latchkey').description('Latchkey OpenID Connect identity provider').showHelpAfterError();

program
  .command('serve')
  .description('run the HTTP server (migrates first)')
  .option('--seed-demo', 'create a demo user and client when the store is empty', false)
  .option('--demo-rp', 'also run the demo app (examples/demo-rp) on http://localhost:3001', false)
  .action(async (opts: { seedDemo: boolean; demoRp: boolean }) => {
    const config = loadConfig();
    const logger = createLogger(config.logLevel);
    const { serve } = await import('../main.js');
    const running = await serve(config, logger, { seedDemo: opts.seedDemo || config.seedDemo });
    process.stdout.write(`Latchkey is running at ${config.issuer} (listening on ${running.url})\n`);
    if (opts.demoRp) {
      const { startDemoRp } = await import('../../examples/demo-rp/app.js');
      const demo = await startDemoRp({ issuer: config.issuer, clientId: 'latchkey-demo', baseUrl: 'http://localhost:3001', port: 3001 });
      process.once('exit', () => demo.close());
      process.stdout.write('Demo app: http://localhost:3001 (sign in, then open its "sensitive" page, which needs a passkey)\n');
    }
  });

program
  .command('migrate')
  .description('apply pending database migrations')
  .action(async () => {
    await withDb(async (db) => {
      const applied = await migrate(db);
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    });
  });

const user = program.command('user').description('manage user accounts');
user
  .command('create')
  .description('create an account (password from --password, the prompt, or stdin)')
  .requiredOption('--email <email>', 'email address (unique, case-insensitive)')
  .requiredOption('--name <name>', 'display name')
  .option('--password <password>', 'password (avoid: it stays in shell history)')
  .option('--email-verified', 'mark the email address as verified', false)
  .option('--json', 'print one JSON object', false)
  .action(async (opts: { email: string; name: string; password?: string; emailVerified: boolean; json: boolean }) => {
    if (!/^[^\s@]+@[^\s@]+$/.test(opts.email)) throw new UsageError(`--email: ${opts.email} is not an email address`);
    const password = await readPassword(opts.password);
    const problem = checkPasswordPolicy(password);
    if (problem) throw new UsageError(`password: ${problem}`);
    const passwordHash = await hashPassword(password);
    const account = await withDb((db) =>
      createAccountsRepo(db).create({ email: opts.email, name: opts.name, passwordHash, emailVerified: opts.emailVerified }),
    );
    process.stdout.write(opts.json ? `${JSON.stringify({ sub: account.id, email: account.email, name: account.name })}\n` : `created account ${account.email} (sub ${account.id})\n`);
  });

const client = program.command('client').description('manage OAuth clients');
client
  .command('create')
  .description('register a client; prints the secret once')
  .requiredOption('--name <name>', 'name shown to users')
  .option('--redirect-uri <uri>', 'redirect URI (repeat for several)', collect, [])
  .option('--post-logout-redirect-uri <uri>', 'post-logout redirect URI (repeat for several)', collect, [])
  .addOption(new Option('--grant-types <list>', 'comma-separated grant types').default('authorization_code,refresh_token'))
  .option('--scope <scope>', 'space-separated scopes the client may ask for', 'openid email profile offline_access')
  .option('--public', 'public client (no secret; PKCE only), e.g. a single-page or native app', false)
  .option('--third-party', 'ask users for consent before sharing their data', false)
  .addOption(new Option('--auth-method <method>', 'how the client authenticates').choices(['client_secret_basic', 'client_secret_post', 'private_key_jwt']))
  .option('--jwks-file <path>', 'JSON Web Key Set with the public key(s), for private_key_jwt')
  .option('--can-introspect', 'a resource server: may introspect any token', false)
  .option('--expires-in <duration>', 'the client stops working after this long (e.g. 90d)')
  .option('--secret-expires-in <duration>', 'the secret stops working after this long (rotate before then)')
  .option('--json', 'print one JSON object', false)
  .action(
    async (opts: {
      name: string;
      redirectUri: string[];
      postLogoutRedirectUri: string[];
      grantTypes: string;
      scope: string;
      public: boolean;
      thirdParty: boolean;
      authMethod?: AuthMethod;
      jwksFile?: string;
      canIntrospect: boolean;
      expiresIn?: string;
      secretExpiresIn?: string;
      json: boolean;
    }) => {
      const expiresIn = opts.expiresIn ? durationOption('--expires-in', opts.expiresIn) : undefined;
      const secretExpiresIn = opts.secretExpiresIn ? durationOption('--secret-expires-in', opts.secretExpiresIn) : undefined;
      let jwks: { keys: Array<Record<string, unknown>> } | undefined;
      if (opts.jwksFile) {
        try {
          jwks = JSON.parse(readFileSync(opts.jwksFile, 'utf8')) as { keys: Array<Record<string, unknown>> };
        } catch (err) {
          throw new UsageError(`--jwks-file: ${(err as Error).message}`);
        }
      }
      const created = await withDb((db) =>
        createClientRegistry(db).create({
          name: opts.name,
          redirectUris: opts.redirectUri,
          postLogoutRedirectUris: opts.postLogoutRedirectUri,
          grantTypes: opts.grantTypes.split(',').map((g) => g.trim()).filter(Boolean),
          scope: opts.scope.split(/\s+/).filter(Boolean).join(' '),
          public: opts.public,
          thirdParty: opts.thirdParty,
          canIntrospect: opts.canIntrospect,
          ...(opts.authMethod ? { authMethod: opts.authMethod } : {}),
          ...(jwks ? { jwks } : {}),
          ...(expiresIn ? { expiresAt: new Date(Date.now() + expiresIn * 1000) } : {}),
          ...(secretExpiresIn ? { secretExpiresAt: new Date(Date.now() + secretExpiresIn * 1000) } : {}),
        }),
      );
      const out = {
        client_id: created.clientId,
        ...(created.clientSecret ? { client_secret: created.clientSecret, secret_id: created.secretId } : {}),
        client_name: created.metadata.client_name,
        redirect_uris: created.metadata.redirect_uris,
        post_logout_redirect_uris: created.metadata.post_logout_redirect_uris,
        grant_types: created.metadata.grant_types,
        scope: opts.scope.split(/\s+/).filter(Boolean).join(' '),
        token_endpoint_auth_method: created.metadata.token_endpoint_auth_method,
      };
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(out)}\n`);
      } else {
        process.stdout.write(`client_id:     ${out.client_id}\n`);
        if (out.client_secret) process.stdout.write(`client_secret: ${out.client_secret}\n(shown once: Latchkey keeps only a hash)\n`);
      }
    },
  );
client
  .command('list')
  .description('list registered clients')
  .option('--json', 'print JSON', false)
  .action(async (opts: { json: boolean }) => {
    const list = await withDb((db) => createClientRegistry(db).list());
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(list)}\n`);
      return;
    }
    for (const c of list) {
      const flags = [c.public ? 'public' : 'confidential', c.thirdParty && 'third-party', c.disabledAt && 'disabled'].filter(Boolean).join(', ');
      process.stdout.write(`${c.clientId}\t${c.name}\t${flags}\t${c.grantTypes.join(',')}\n`);
    }
  });
client
  .command('show')
  .description('show a client and its secrets (creation, expiry, last use; never the secret)')
  .argument('<id>', 'client id')
  .option('--json', 'print JSON', false)
  .action(async (id: string, opts: { json: boolean }) => {
    const shown = await withDb((db) => createClientRegistry(db).show(id));
    if (!shown) throw new UsageError(`no client with id ${id}`);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(shown)}\n`);
      return;
    }
    const when = (d: Date | null) => (d ? d.toISOString() : '-');
    process.stdout.write(
      `${shown.clientId}  ${shown.name}\n  grant types: ${shown.grantTypes.join(', ')}\n  scope: ${shown.scope}\n  auth: ${shown.authMethod}\n` +
        `  created: ${when(shown.createdAt)}  expires: ${when(shown.expiresAt)}  disabled: ${when(shown.disabledAt)}\n`,
    );
    for (const s of shown.secrets) {
      process.stdout.write(`  secret ${s.id}  created ${when(s.createdAt)}  expires ${when(s.expiresAt)}  last used ${when(s.lastUsedAt)}${s.revokedAt ? `  revoked ${when(s.revokedAt)}` : ''}\n`);
    }
  });
client
  .command('disable')
  .description('disable a client: no new tokens, and its tokens stop introspecting as active')
  .argument('<id>', 'client id')
  .action(async (id: string) => {
    const done = await withDb((db) => createClientRegistry(db).disable(id));
    if (!done) throw new UsageError(`no enabled client with id ${id}`);
    process.stdout.write(`disabled client ${id}\n`);
  });
const secret = client.command('secret').description('manage client secrets');
secret
  .command('rotate')
  .description('issue a new secret; the current ones keep working for the overlap, then stop')
  .argument('<id>', 'client id')
  .option('--overlap <duration>', 'how long the old secrets stay valid (e.g. 1h, 7d)', '24h')
  .option('--expires-in <duration>', 'the new secret stops working after this long')
  .option('--json', 'print one JSON object', false)
  .action(async (id: string, opts: { overlap: string; expiresIn?: string; json: boolean }) => {
    const overlap = durationOption('--overlap', opts.overlap);
    const expiresIn = opts.expiresIn ? durationOption('--expires-in', opts.expiresIn) : undefined;
    const rotated = await withDb((db) => createClientRegistry(db).rotateSecret(id, overlap, expiresIn));
    process.stdout.write(
      opts.json
        ? `${JSON.stringify({ client_id: id, secret_id: rotated.secretId, client_secret: rotated.clientSecret, previous_secrets_expire_in: overlap })}\n`
        : `secret_id:     ${rotated.secretId}\nclient_secret: ${rotated.clientSecret}\n(shown once; previous secrets stop working in ${opts.overlap})\n`,
    );
  });
secret
  .command('revoke')
  .description('revoke one secret now')
  .argument('<id>', 'client id')
  .argument('<secretId>', 'secret id (see client show)')
  .action(async (id: string, secretId: string) => {
    const done = await withDb((db) => createClientRegistry(db).revokeSecret(id, secretId));
    if (!done) throw new UsageError(`no live secret ${secretId} on client ${id}`);
    process.stdout.write(`revoked secret ${secretId}\n`);
  });

const resource = program.command('resource').description('manage API resources (RFC 8707)');
resource
  .command('create')
  .description('register an API that clients can request tokens for')
  .requiredOption('--indicator <url>', 'resource indicator (absolute URI), the tokens\' aud')
  .requiredOption('--scope <scopes>', 'space-separated scopes of this API')
  .option('--name <name>', 'display name')
  .addOption(new Option('--format <format>', 'access token format').choices(['jwt', 'opaque']).default('jwt'))
  .option('--ttl <duration>', 'access token lifetime', '10m')
  .option('--json', 'print JSON', false)
  .action(async (opts: { indicator: string; scope: string; name?: string; format: 'jwt' | 'opaque'; ttl: string; json: boolean }) => {
    const ttl = durationOption('--ttl', opts.ttl);
    const created = await withDb((db) =>
      createResourcesRepo(db).create({
        indicator: opts.indicator,
        scopes: opts.scope.split(/\s+/).filter(Boolean),
        tokenFormat: opts.format,
        accessTokenTtl: ttl,
        ...(opts.name ? { name: opts.name } : {}),
      }),
    );
    process.stdout.write(opts.json ? `${JSON.stringify(created)}\n` : `registered ${created.indicator} (${created.scopes.join(' ')}; ${created.tokenFormat} tokens)\n`);
  });
resource
  .command('list')
  .description('list API resources')
  .option('--json', 'print JSON', false)
  .action(async (opts: { json: boolean }) => {
    const list = await withDb((db) => createResourcesRepo(db).list());
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(list)}\n`);
      return;
    }
    for (const r of list) process.stdout.write(`${r.indicator}\t${r.name}\t${r.scopes.join(' ')}\t${r.tokenFormat}\t${r.accessTokenTtl}s\n`);
  });

client
  .command('delete')
  .description('delete a client and revoke its grants')
  .argument('<id>', 'client id')
  .action(async (id: string) => {
    const deleted = await withDb((db) => createClientRegistry(db).delete(id));
    if (!deleted) throw new UsageError(`no client with id ${id}`);
    process.stdout.write(`deleted client ${id}\n`);
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Exposed messages are written for the person at the terminal; anything else is a
  // failure of Latchkey itself, printed whole for whoever debugs it.
  const shown = err instanceof ConfigError || (err instanceof AppError && err.expose);
  process.stderr.write(`latchkey: ${shown ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
}
