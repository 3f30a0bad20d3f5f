import type Provider from 'oidc-provider';
import { systemClock, type Clock } from './common/clock.js';
import type { Config } from './config/config.js';
import type { Logger } from './common/logger.js';
import type { Stores } from './storage/open.js';
import { createAdapters } from './adapters/index.js';
import { createAccountModels } from './adapters/account-models.js';
import { createAccountsRepo } from './accounts/accounts-repo.js';
import { createPasswordLogin } from './accounts/password-login.js';
import { createOneTimeCodes, type OneTimeCodes } from './accounts/one-time-codes.js';
import { createAuditLog } from './audit/audit-log.js';
import { createClientRegistry } from './clients/registry.js';
import { createResourcesRepo } from './clients/resources-repo.js';
import { createLastUsedRecorder } from './clients/last-used.js';
import { createClientDirectory } from './clients/client-directory.js';
import { createClientAdapter } from './provider/client-adapter.js';
import { createProvider } from './provider/create-provider.js';
import { loadOrCreateKeys } from './provider/keys.js';
import { createPasskeysRepo } from './passkeys/passkeys-repo.js';
import { createPasskeyCeremonies } from './passkeys/ceremonies.js';
import { interactionPages } from './interactions/index.js';
import { accountPages } from './account-ui/routes.js';
import { dispatch } from './http/dispatch.js';
import { errorPages } from './http/error-pages.js';
import { health } from './http/health.js';
import { homePage } from './http/home.js';
import { devMailboxPage } from './http/dev-mailbox.js';
import { devMailboxEnabled, mailboxDir } from './mail/dev-mailbox.js';
import { createMailer, mailTransportFor, type Mailer } from './mail/mailer.js';
import { boundedRequests } from './http/bounded-requests.js';
import { metadataCaching } from './http/metadata-caching.js';
import { notFound } from './http/not-found.js';
import { oneHost } from './http/one-host.js';
import { engineMethods } from './provider/oidc-internals.js';
import { requestLog } from './http/request-log.js';
import { securityHeaders } from './http/security-headers.js';
import { staticFiles } from './http/static-files.js';

export interface Latchkey {
  /** The Koa application (oidc-provider's Provider is a Koa app). */
  app: Provider;
  sweep(): Promise<number>;
  /** Writes batched bookkeeping (client-secret last-used times). */
  flush(): Promise<void>;
  /** Queues mail for the flows; a background drainer delivers it (stopped by close). */
  mailer: Mailer;
  /** One-time codes and links (verification, reset, passkey proof, sign-up, invitations). */
  codes: OneTimeCodes;
  close(): Promise<void>;
}

export interface LatchkeyOptions {
  /** The clock for expiry decisions (secret overlap windows); tests pass their own. */
  clock?: Clock;
}

/**
 * Wires one Latchkey over the given stores. main.ts picks the concrete stores; tests
 * pass their own, which is the seam that lets one suite run on every backend.
 */
export async function createLatchkey(config: Config, stores: Stores, logger: Logger, options: LatchkeyOptions = {}): Promise<Latchkey> {
  const { db, ephemeral } = stores;
  const clock = options.clock ?? systemClock;
  const accounts = createAccountsRepo(db);
  const clients = createClientRegistry(db, { clock });
  const resources = createResourcesRepo(db);
  const audit = createAuditLog(db);
  const lastUsed = createLastUsedRecorder(clients, {
    flushSeconds: config.lastUsedFlushSeconds,
    onError: (err) => logger.warn({ err }, 'could not record client secret use'),
  });
  const directory = createClientDirectory(clients, resources, { ttlSeconds: config.clientCacheSeconds });
  const adapters = createAdapters(db, ephemeral, { Client: createClientAdapter(clients, directory, clock) });
  const keys = await loadOrCreateKeys(db, stores.keyEncryptionKey);
  const accountModels = createAccountModels(db);
  const provider = createProvider({ config, adapters, accounts, keys, directory, lastUsed, replayMarks: ephemeral.kv('replay'), clock, accountModels, audit });
  const mailer = createMailer({
    db,
    transport: mailTransportFor(config),
    site: { productName: config.webauthn.rpName, issuer: config.issuer },
    from: config.mail.from,
    clock,
    logger,
    pollSeconds: config.mail.pollSeconds,
    maxAttempts: config.mail.maxAttempts,
    retentionDays: config.mail.retentionDays,
  });
  const devMailbox = devMailboxEnabled(config);
  const codes = createOneTimeCodes({
    db,
    clock,
    secret: stores.keyEncryptionKey,
    // Wrong codes have their own budget, apart from passwords: a code guesser cannot lock the password out, nor the reverse.
    failures: ephemeral.failureLimiter({ name: 'code-subject', points: config.codeFailuresPerHour, durationSeconds: 3600, blockSeconds: 3600 }),
  });

  const passwordLogin = createPasswordLogin({
    accounts,
    audit,
    byEmail: ephemeral.failureLimiter({
      name: 'login-email',
      points: config.lockout.attempts,
      durationSeconds: config.lockout.seconds,
      blockSeconds: config.lockout.seconds,
    }),
    byIp: ephemeral.failureLimiter({
      name: 'login-ip',
      points: config.lockout.ipFailuresPerHour,
      durationSeconds: 3600,
      blockSeconds: 3600,
    }),
  });

  provider.on('server_error', (ctx, err) => logger.error({ err, path: ctx.path }, 'oidc-provider server_error'));
  provider.on('grant.error', (_ctx, err) => logger.info({ error: (err as { error?: string }).error }, 'token request refused'));

  provider.use(requestLog(logger));
  provider.use(securityHeaders({ hsts: config.issuer.startsWith('https:') }));
  provider.use(errorPages(logger));
  provider.use(oneHost({ issuer: config.issuer, exemptPaths: config.hostCheckExemptPaths }));
  provider.use(boundedRequests([provider.pathFor('authorization'), provider.pathFor('pushed_authorization_request')]));
  provider.use(metadataCaching(provider.pathFor('jwks')));
  provider.use(notFound((path) => engineMethods(provider, path)));
  const passkeys = createPasskeysRepo(db);
  const ceremonies = createPasskeyCeremonies({
    passkeys,
    challenges: ephemeral.kv('webauthn'),
    audit,
    webauthn: config.webauthn,
    clock,
  });
  const readiness = health({
    database: async () => {
      await db.query('SELECT 1');
    },
    [ephemeral.name]: () => ephemeral.ping(),
  });
  provider.use(
    dispatch([
      staticFiles(),
      readiness,
      homePage(),
      ...(devMailbox ? [devMailboxPage(mailboxDir(config.dataDir))] : []),
      interactionPages({ provider, passwordLogin, accounts, passkeys, ceremonies, findResource: directory.resource, clock, devMailbox }),
      accountPages({
        provider,
        accounts,
        passkeys,
        ceremonies,
        audit,
        clock,
        lifecycle: {
          db,
          models: accountModels,
          passwordLogin,
          mailer,
          passwordPolicy: config.passwordPolicy,
          idleSeconds: config.sessions.idleSeconds,
        },
      }),
    ]),
  );

  return {
    app: provider,
    sweep: async () => (await adapters.sweep()) + (await audit.prune(config.auditRetentionDays)) + (await mailer.prune()) + (await codes.prune()),
    flush: () => lastUsed.flush(),
    mailer,
    codes,
    close: async () => {
      await lastUsed.close();
      await mailer.close();
    },
  };
}
