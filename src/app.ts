import type { RequestListener } from 'node:http';
import type Provider from 'oidc-provider';
import { systemClock, type Clock } from './common/clock.js';
import type { Config } from './config/config.js';
import type { Logger } from './common/logger.js';
import type { Stores } from './storage/open.js';
import { createAdapters } from './adapters/index.js';
import { createAccountModels } from './adapters/account-models.js';
import { accountReadAlong, createAccountsRepo } from './accounts/accounts-repo.js';
import { createPasswordLogin } from './accounts/password-login.js';
import { createOneTimeCodes, type OneTimeCodes } from './accounts/one-time-codes.js';
import { createClearPasswordLockout } from './accounts/password-lockout.js';
import { revokeByAccount } from './adapters/revoke-by-account.js';
import { createAuditLog } from './audit/audit-log.js';
import { createClientRegistry } from './clients/registry.js';
import { createResourcesRepo } from './clients/resources-repo.js';
import { createLastUsedRecorder } from './clients/last-used.js';
import { createClientDirectory } from './clients/client-directory.js';
import { createApiKeys } from './clients/api-keys.js';
import { createClientAdapter } from './provider/client-adapter.js';
import { createProvider } from './provider/create-provider.js';
import { engineHasRequestFix, engineRequest } from './provider/oidc-internals.js';
import { rotateInOneCommit } from './provider/refresh-rotation.js';
import { loadOrCreateKeys } from './provider/keys.js';
import { createPasskeysRepo } from './passkeys/passkeys-repo.js';
import { createPasskeyCeremonies } from './passkeys/ceremonies.js';
import { loadAttestationTrust } from './passkeys/attestation-trust.js';
import { interactionPages } from './interactions/index.js';
import { createSignInRecord } from './interactions/sign-in-record.js';
import { rememberBrowser } from './interactions/device-cookie.js';
import { accountPages } from './account-ui/routes.js';
import { invitePages } from './account-ui/invite.js';
import { adminConsole } from './admin/console/routes.js';
import type { AdminDeps } from './admin/service/index.js';
import { createPasskeyProof } from './accounts/passkey-proof.js';
import { dispatch } from './http/dispatch.js';
import { health } from './http/health.js';
import { homePage } from './http/home.js';
import { devMailboxPage } from './http/dev-mailbox.js';
import { devMailboxEnabled, mailboxDir } from './mail/dev-mailbox.js';
import { mailerFor, mailSiteOf, type Mailer } from './mail/mailer.js';
import { renderMail } from './mail/render-mail.js';
import { configureArgon2Pool } from './accounts/argon2-pool.js';
import { createBudgets } from './budgets.js';
import { useMiddleware } from './middleware.js';
import { staticFiles } from './http/static-files.js';
import { webauthnWellKnown } from './http/webauthn-well-known.js';
import type { Metrics } from './ops/metrics.js';
import { observeStores } from './ops/observed-stores.js';
import { followKeys, type KeyRefresher } from './provider/key-refresh.js';
import { adminApi } from './admin/api/index.js';
import { ensureAdminResource } from './clients/admin-resource.js';

export interface Latchkey {
  /** The Koa application (oidc-provider's Provider is a Koa app). */
  app: Provider;
  /** The request listener to serve: Koa behind the metadata fast lane (http/metadata-fast-lane.ts). */
  handler: RequestListener;
  sweep(): Promise<number>;
  /** Writes batched bookkeeping (client-secret last-used times). */
  flush(): Promise<void>;
  /** Queues mail for the flows; a background drainer delivers it (stopped by close). */
  mailer: Mailer;
  /** One-time codes and links (verification, reset, passkey proof, sign-up, invitations). */
  codes: OneTimeCodes;
  /** This Latchkey's Prometheus registry and counters (ops/metrics.ts). */
  metrics: Metrics;
  /** Reads the keys table now instead of at the next reload (tests; after `keys rotate` in-process). */
  refreshKeys: KeyRefresher['refresh'];
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
  const clock = options.clock ?? systemClock;
  // First: a bad trust anchor or MDS BLOB stops start-up before anything runs.
  const trust = loadAttestationTrust(config, clock());
  if (trust.mds && trust.mds.nextUpdate < clock().toISOString().slice(0, 10)) {
    logger.warn({ nextUpdate: trust.mds.nextUpdate }, 'the FIDO MDS BLOB is past its nextUpdate: download a new one (LATCHKEY_FIDO_MDS_FILE) so recent revocations count');
  }
  const { metrics, db, ephemeral } = observeStores(stores); // counted, and failing closed on an outage
  const accounts = createAccountsRepo(db);
  const clients = createClientRegistry(db, { clock });
  const resources = createResourcesRepo(db);
  const audit = createAuditLog(db, { onRecord: (event) => metrics.observeAudit(event) });
  // Users' own API keys; the admin API and pages list and revoke them through the same object.
  const apiKeys = createApiKeys(db, { clock, policy: config.apiKeys, audit });
  const lastUsed = createLastUsedRecorder(clients, {
    flushSeconds: config.lastUsedFlushSeconds,
    onError: (err) => logger.warn({ err }, 'could not record client secret use'),
  });
  const directory = createClientDirectory(clients, resources, { ttlSeconds: config.clientCacheSeconds });
  const adapters = createAdapters(db, ephemeral, { Client: createClientAdapter(clients, directory, clock) }, { currentRequest: engineRequest, readAlong: [accountReadAlong], refreshReuseGraceSeconds: config.refreshReuseGraceSeconds });
  const keys = await loadOrCreateKeys(db, stores.keyEncryptionKey, clock());
  await ensureAdminResource(db, config.issuer); // the admin API is a resource Latchkey defines itself
  const accountModels = createAccountModels(db);
  const provider = createProvider({ config, adapters, accounts, keys, directory, lastUsed, replayMarks: ephemeral.kv('replay'), clock, accountModels, audit });
  if (!engineHasRequestFix(provider)) logger.warn('oidc-provider is installed without Latchkey\'s fix (patches/README.md): run `npx patch-package`, or every request is held in memory until a full collection');
  const keyRefresher = followKeys(provider, { db, kek: stores.keyEncryptionKey, clock, keys, config, logger });
  const mailer = mailerFor(config, { db, clock, logger });
  const devMailbox = devMailboxEnabled(config);
  configureArgon2Pool({ ...config.argon2, onQueueLength: (waiting) => metrics.argon2Queue.set(waiting) }); // one bound per process
  const budgets = createBudgets(ephemeral, config);
  const { limits, clientAuthFailures, unknownDevices } = budgets;
  const codes = createOneTimeCodes({
    db,
    clock,
    secret: stores.keyEncryptionKey,
    failures: budgets.codeFailures,
  });

  const passwordLogin = createPasswordLogin({
    accounts,
    audit,
    unknownDevices,
    knownDevice: budgets.knownDevice,
    byIp: budgets.passwordIp,
    inFlight: ephemeral.kv('password-check'),
  });
  const recordSignIn = createSignInRecord({ accounts, audit, mailer, issuer: config.issuer });

  provider.on('server_error', (ctx, err) => logger.error({ err, path: ctx.path }, 'oidc-provider server_error'));
  provider.on('grant.error', (_ctx, err) => logger.info({ error: (err as { error?: string }).error }, 'token request refused'));

  const fastLane = useMiddleware(provider, { config, logger, metrics, keyRefresher, limits, clientAuthFailures });
  const passkeys = createPasskeysRepo(db, trust);
  const ceremonies = createPasskeyCeremonies({
    passkeys,
    challenges: ephemeral.kv('webauthn'),
    audit,
    webauthn: config.webauthn,
    trust,
    // The operator's MDS names a passkey's model before the bundled AAGUID table does.
    aaguidNames: trust.mds,
    clock,
  });
  // The first passkey's proof beyond the password (DESIGN.md "Binding"): a mailed code.
  const passkeyProof = createPasskeyProof({
    codes,
    mailer,
    accounts,
    audit,
    mails: ephemeral.failureLimiter({ name: 'passkey-code-mail', points: 10, durationSeconds: 3600, blockSeconds: 3600 }),
  });
  // What the admin service runs over, for the admin API and the console alike (admin/service/context.ts).
  const adminService: AdminDeps = { db, ephemeral, config, clock, audit, codes, apiKeys, trust, queueMail: (mail) => mailer.send(mail) };
  const readiness = health({ database: () => db.query('SELECT 1').then(() => undefined), [ephemeral.name]: () => ephemeral.ping() });
  provider.use(
    dispatch([
      staticFiles(),
      readiness,
      ...(config.webauthn.relatedOrigins.length ? [webauthnWellKnown(config.webauthn.relatedOrigins)] : []),
      // Before the console's /admin pages (if listed), so API paths reach the API.
      adminApi({ service: adminService, provider, clients, limits, logger, perClient: config.rateLimits.adminApi }),
      homePage({ devMailbox }),
      ...(devMailbox ? [devMailboxPage(mailboxDir(config.dataDir))] : []),
      interactionPages({
        provider,
        passwordLogin,
        recordSignIn,
        passkeyProof,
        mailer,
        accounts,
        passkeys,
        ceremonies,
        findResource: directory.resource,
        clock,
        devMailbox,
        limits,
        lifecycle: {
          codes,
          mailer,
          audit,
          signup: config.signup,
          passwordPolicy: config.passwordPolicy,
          revokeAccount: (accountId, options) => revokeByAccount(db, accountId, options),
          clearPasswordLockout: createClearPasswordLockout(unknownDevices),
          decoyMail: async (data) => {
            await renderMail(mailSiteOf(config), 'one-time-code', data, clock());
          },
        },
      }),
      accountPages({
        provider,
        accounts,
        passkeys,
        ceremonies,
        audit,
        clock,
        limits,
        lifecycle: {
          db,
          models: accountModels,
          passwordLogin,
          mailer,
          passwordPolicy: config.passwordPolicy,
          idleSeconds: config.sessions.idleSeconds,
          rememberBrowser: (ctx, account) => rememberBrowser(ctx, config.issuer, account),
        },
        codes,
        mailer,
        passkeyProof,
        proofMarks: ephemeral.kv('first-passkey'),
        rpId: config.webauthn.rpId,
        aaguidNames: trust.mds,
        apiKeys,
        apiKeyForms: ephemeral.kv('api-key-form'),
      }),
      invitePages({ accounts, passkeys, ceremonies, codes, audit, mailer, productName: config.webauthn.rpName, issuer: config.issuer, limits }),
      adminConsole({
        provider,
        accounts,
        audit,
        clock,
        kv: (namespace) => ephemeral.kv(namespace),
        settings: config.admin,
        limits,
        service: adminService,
      }),
    ]),
  );
  rotateInOneCommit(provider, adapters.rotations, { reuseGraceSeconds: config.refreshReuseGraceSeconds, record: (e) => audit.record(e).catch((err: unknown) => logger.error({ err }, 'audit record failed')), seen: ephemeral.kv('refresh-reuse') }); // last: right around the engine (refresh-rotation.ts)

  return {
    app: provider,
    handler: fastLane(provider.callback()),
    sweep: async () => (await adapters.sweep()) + (await audit.prune(config.auditRetentionDays)) + (await mailer.prune()) + (await codes.prune()),
    flush: () => lastUsed.flush(),
    mailer,
    codes,
    metrics,
    refreshKeys: () => keyRefresher.refresh(),
    close: async () => {
      keyRefresher.stop();
      await lastUsed.close();
      await mailer.close();
    },
  };
}
