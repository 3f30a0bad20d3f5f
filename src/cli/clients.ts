import { Option, type Command } from 'commander';
import type { CliContext } from './context.js';
import { systemClock } from '../common/clock.js';
import type { AuthMethod } from '../clients/metadata.js';
import { createClientRegistry } from '../clients/registry.js';
import { ADMIN_SCOPES } from '../clients/admin-resource.js';
import { adminGrant, createClient, deleteClient, revokeClientSecret, rotateClientSecret, setClientDisabled } from '../admin/service/index.js';
import { CLI_ACTOR, cliAdminDeps } from './admin-deps.js';
import { byIdCommand, collect, durationOption, listCommand, printJson, UsageError } from './shared.js';
import { clientResourceCommands, parseResourceOption } from './client-resources.js';
import { clientUpdateCommands } from './client-update.js';

/** `latchkey client …` (secrets included) */
export function clientCommands(program: Command, ctx: CliContext): void {
  const client = program.command('client').description('manage OAuth clients');
  client
    .command('create')
    .description('register a client; prints the secret once')
    .requiredOption('--name <name>', 'name shown to users')
    .option('--redirect-uri <uri>', 'redirect URI (repeat for several)', collect, [])
    .option('--post-logout-redirect-uri <uri>', 'post-logout redirect URI (repeat for several)', collect, [])
    .addOption(new Option('--grant-types <list>', 'comma-separated grant types').default('authorization_code,refresh_token'))
    .option('--scope <scope>', 'space-separated OpenID scopes the client may ask for (default with authorization_code: "openid email profile offline_access", else none)')
    .option('--resource <grant>', 'an API the client may get tokens for: "URL SCOPE [SCOPE…]" (repeat for several)', collect, [])
    .option('--admin-scopes <scopes>', `Latchkey's own admin API: space-separated scopes (${ADMIN_SCOPES.join(' ')})`)
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
        scope?: string;
        resource: string[];
        adminScopes?: string;
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
        const resources = opts.resource.map(parseResourceOption);
        if (opts.adminScopes !== undefined) resources.push(adminGrant(ctx.config.issuer, opts.adminScopes));
        const grantTypes = opts.grantTypes
          .split(',')
          .map((g) => g.trim())
          .filter(Boolean);
        // A machine client has no user to ask OpenID scopes about.
        const scope = (opts.scope ?? (grantTypes.includes('authorization_code') ? 'openid email profile offline_access' : '')).split(/\s+/).filter(Boolean).join(' ');
        let jwks: { keys: Array<Record<string, unknown>> } | undefined;
        if (opts.jwksFile) {
          try {
            jwks = JSON.parse(ctx.readFile(opts.jwksFile)) as { keys: Array<Record<string, unknown>> };
          } catch (err) {
            throw new UsageError(`--jwks-file: ${(err as Error).message}`);
          }
        }
        const created = await ctx.withDb((db) =>
          createClient(cliAdminDeps(ctx, db), CLI_ACTOR, {
            name: opts.name,
            redirectUris: opts.redirectUri,
            postLogoutRedirectUris: opts.postLogoutRedirectUri,
            grantTypes,
            scope,
            resources,
            public: opts.public,
            thirdParty: opts.thirdParty,
            canIntrospect: opts.canIntrospect,
            ...(opts.authMethod ? { authMethod: opts.authMethod } : {}),
            ...(jwks ? { jwks } : {}),
            ...(expiresIn ? { expiresAt: new Date(systemClock().getTime() + expiresIn * 1000) } : {}),
            ...(secretExpiresIn ? { secretExpiresAt: new Date(systemClock().getTime() + secretExpiresIn * 1000) } : {}),
          }),
        );
        const out = {
          client_id: created.clientId,
          ...(created.clientSecret ? { client_secret: created.clientSecret, secret_id: created.secretId } : {}),
          client_name: created.metadata.client_name,
          redirect_uris: created.metadata.redirect_uris,
          post_logout_redirect_uris: created.metadata.post_logout_redirect_uris,
          grant_types: created.metadata.grant_types,
          scope,
          resources,
          token_endpoint_auth_method: created.metadata.token_endpoint_auth_method,
        };
        if (opts.json) {
          ctx.out(`${JSON.stringify(out)}\n`);
        } else {
          ctx.out(`client_id:     ${out.client_id}\n`);
          if (out.client_secret) ctx.out(`client_secret: ${out.client_secret}\n(shown once: Latchkey keeps only a hash)\n`);
        }
      },
    );
  listCommand(
    client,
    ctx,
    'list registered clients',
    (db) => createClientRegistry(db).list(),
    (c) => {
      const flags = [c.public ? 'public' : 'confidential', c.thirdParty && 'third-party', c.disabledAt && 'disabled', c.ownerAccountId && `API key of ${c.ownerAccountId}`]
        .filter(Boolean)
        .join(', ');
      return [c.clientId, c.name, flags, c.grantTypes.join(',')];
    },
  );
  client
    .command('show')
    .description('show a client and its secrets (creation, expiry, last use; never the secret)')
    .argument('<id>', 'client id')
    .option('--json', 'print JSON', false)
    .action(async (id: string, opts: { json: boolean }) => {
      const shown = await ctx.withDb((db) => createClientRegistry(db).show(id));
      if (!shown) throw new UsageError(`no client with id ${id}`);
      if (opts.json) return printJson(ctx, shown);
      const when = (d: Date | null) => (d ? d.toISOString() : '-');
      ctx.out(
        `${shown.clientId}  ${shown.name}\n  grant types: ${shown.grantTypes.join(', ')}\n  scope: ${shown.scope}\n  auth: ${shown.authMethod}\n` +
          `  created: ${when(shown.createdAt)}  expires: ${when(shown.expiresAt)}  disabled: ${when(shown.disabledAt)}\n` +
          (shown.ownerAccountId ? `  API key of account ${shown.ownerAccountId} (its owner manages it on the account page)\n` : ''),
      );
      for (const r of shown.resources) ctx.out(`  resource ${r.indicator}  scopes ${r.scopes.join(' ')}\n`);
      for (const s of shown.secrets) {
        ctx.out(
          `  secret ${s.id}  created ${when(s.createdAt)}  expires ${when(s.expiresAt)}  last used ${when(s.lastUsedAt)}${s.revokedAt ? `  revoked ${when(s.revokedAt)}` : ''}\n`,
        );
      }
    });
  byIdCommand(
    client,
    ctx,
    'disable',
    'disable a client: no new tokens, and its tokens stop introspecting as active',
    (db, id) => setClientDisabled(cliAdminDeps(ctx, db), CLI_ACTOR, id, true),
    {
      done: 'disabled client',
      missing: 'no enabled client with id',
      idKey: 'client_id',
    },
  );
  clientResourceCommands(client, ctx);
  clientUpdateCommands(client, ctx);
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
      const rotated = await ctx.withDb((db) => rotateClientSecret(cliAdminDeps(ctx, db), CLI_ACTOR, id, { overlapSeconds: overlap, expiresInSeconds: expiresIn }));
      ctx.out(
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
    .option('--json', 'print JSON', false)
    .action(async (id: string, secretId: string, opts: { json: boolean }) => {
      await ctx.withDb((db) => revokeClientSecret(cliAdminDeps(ctx, db), CLI_ACTOR, id, secretId));
      if (opts.json) return printJson(ctx, { client_id: id, secret_id: secretId, done: 'revoke' });
      ctx.out(`revoked secret ${secretId}\n`);
    });

  byIdCommand(client, ctx, 'delete', 'delete a client and revoke its grants', (db, id) => deleteClient(cliAdminDeps(ctx, db), CLI_ACTOR, id), {
    done: 'deleted client',
    missing: 'no client with id',
    idKey: 'client_id',
  });
}
