import { availableParallelism } from 'node:os';
import { AppError } from '../common/errors.js';
import { envSchema, type Env } from './env-schema.js';
import { NO_PROXY, parseTrustedProxies, type ProxyTrust } from '../common/client-address.js';
import { parseRelatedOrigins } from './related-origins.js';

/**
 * Environment → one validated, frozen Config. Parsed once at start; a bad variable
 * stops start-up with its name and what was expected (see DESIGN.md "Operations").
 */
export interface Budget {
  readonly points: number;
  readonly seconds: number;
}

export interface Config {
  readonly issuer: string;
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly redisPrefix: string;
  /** LATCHKEY_DB_QUERY_TIMEOUT_MS: the wait for a Postgres connection and for each statement. */
  readonly dbQueryTimeoutMs: number;
  readonly dataDir: string;
  readonly keyEncryptionKey: Buffer | undefined;
  readonly logLevel: Env['LATCHKEY_LOG_LEVEL'];
  readonly seedDemo: boolean;
  /** Worker processes for `latchkey serve` (LATCHKEY_WORKERS; `auto` is one per core). */
  readonly workers: number;
  readonly lockout: { readonly attempts: number; readonly seconds: number; readonly ipFailuresPerHour: number };
  readonly passwordPolicy: { readonly minLength: number; readonly productName: string };
  readonly codeFailuresPerHour: number;
  /** Whether people may create their own accounts (LATCHKEY_SIGNUP). */
  readonly signup: 'open' | 'closed';
  readonly ttl: { readonly session: number; readonly accessToken: number; readonly refreshToken: number };
  /** LATCHKEY_REFRESH_REUSE_GRACE_SECONDS: a rotated refresh token's reuse within it is refused without revoking the grant. */
  readonly refreshReuseGraceSeconds: number;
  readonly sessions: { readonly idleSeconds: number | undefined; readonly maxPerAccount: number | undefined };
  /** The admin console (/admin): required acr, idle and absolute session lifetimes (seconds). */
  readonly admin: { readonly acr: 'pwd' | 'phr' | 'phrh'; readonly idleSeconds: number; readonly ttlSeconds: number };
  readonly sweepIntervalSeconds: number;
  readonly auditRetentionDays: number;
  /** LATCHKEY_TRUSTED_PROXIES: whose X-Forwarded-* headers are believed (http/client-ip.ts). */
  readonly trustedProxies: ProxyTrust;
  readonly rateLimits: {
    readonly ip: Budget;
    readonly account: Budget;
    readonly global: Budget;
    readonly clientAuthFailures: Budget;
    readonly registration: Budget;
    readonly adminApi: Budget;
  };
  readonly argon2: { readonly concurrency: number; readonly queue: number };
  readonly hostCheckExemptPaths: readonly string[];
  readonly initialAccessToken: string | undefined;
  readonly lastUsedFlushSeconds: number;
  readonly clientCacheSeconds: number;
  /** Self-service API keys (clients/api-keys.ts): the longest lifetime, and how many per account (0: none). */
  readonly apiKeys: { readonly maxDays: number; readonly perAccount: number };
  readonly webauthn: {
    readonly rpId: string;
    readonly rpName: string;
    readonly origins: readonly string[];
    /** LATCHKEY_WEBAUTHN_RELATED_ORIGINS (related-origins.ts); empty: /.well-known/webauthn is 404. */
    readonly relatedOrigins: readonly string[];
  };
  /** Attestation trust anchors (files, read at start by passkeys/attestation-trust.ts). */
  readonly attestation: {
    readonly mdsFile: string | undefined;
    readonly mdsRoot: string | undefined;
    readonly trustRoots: string | undefined;
    readonly aaguidAllowlist: readonly string[] | undefined;
  };
  readonly metrics: { readonly port: number | undefined; readonly token: string | undefined };
  readonly keyRotation: { readonly intervalDays: number | undefined; readonly reloadSeconds: number };
  readonly mail: {
    readonly smtpUrl: string | undefined;
    readonly from: string;
    readonly pollSeconds: number;
    readonly maxAttempts: number;
    readonly retentionDays: number;
  };
}

/**
 * A bad environment. Status 500: over HTTP it would be Latchkey's fault, never the
 * caller's, so the message (which names variables) is not exposed there; the CLI and
 * start-up print it.
 */
export class ConfigError extends AppError {
  constructor(message: string) {
    super('config.invalid', message, { status: 500 });
    this.name = 'ConfigError';
  }
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  // Empty strings mean "unset", as in most .env files and compose definitions.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = result.data;
  const issuer = e.LATCHKEY_ISSUER.replace(/\/+$/, '');
  const origins = (e.LATCHKEY_WEBAUTHN_ORIGINS ?? new URL(issuer).origin).split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      throw new ConfigError(`Invalid configuration:\n  LATCHKEY_WEBAUTHN_ORIGINS: ${origin} is not an origin (scheme://host[:port])`);
    }
  }
  let relatedOrigins: readonly string[];
  try {
    relatedOrigins = parseRelatedOrigins(e.LATCHKEY_WEBAUTHN_RELATED_ORIGINS);
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n  LATCHKEY_WEBAUTHN_RELATED_ORIGINS: ${(err as Error).message}`);
  }
  if (e.DATABASE_URL && !e.LATCHKEY_KEY_ENCRYPTION_KEY) {
    throw new ConfigError(
      'Invalid configuration:\n  LATCHKEY_KEY_ENCRYPTION_KEY: required with DATABASE_URL (32 random bytes, base64url; ' +
        'generate one with `node -e "console.log(crypto.randomBytes(32).toString(\'base64url\'))"`)',
    );
  }
  if (env.LATCHKEY_TRUST_PROXY !== undefined) {
    throw new ConfigError('Invalid configuration:\n  LATCHKEY_TRUST_PROXY: replaced by LATCHKEY_TRUSTED_PROXIES (none, the proxies\' addresses/CIDRs, or a hop count)');
  }
  let trustedProxies: ProxyTrust = NO_PROXY;
  if (e.LATCHKEY_TRUSTED_PROXIES !== undefined) {
    try {
      trustedProxies = parseTrustedProxies(e.LATCHKEY_TRUSTED_PROXIES);
    } catch (err) {
      throw new ConfigError(`Invalid configuration:\n  LATCHKEY_TRUSTED_PROXIES: ${(err as Error).message}`);
    }
  } else if (issuer.startsWith('https:')) {
    // An https issuer is nearly always behind a TLS proxy: guessing wrong either counts
    // every client as the proxy (one shared rate limit) or believes forged headers.
    throw new ConfigError(
      'Invalid configuration:\n  LATCHKEY_TRUSTED_PROXIES: required with an https issuer: the TLS proxy\'s addresses/CIDRs ' +
        '(e.g. 10.0.0.0/8), a hop count (e.g. 1), or none when clients connect to Latchkey directly',
    );
  }
  if (e.LATCHKEY_SMTP_URL && !e.LATCHKEY_MAIL_FROM) {
    throw new ConfigError('Invalid configuration:\n  LATCHKEY_MAIL_FROM: required with LATCHKEY_SMTP_URL (an address your SMTP server may send from)');
  }
  if (e.LATCHKEY_FIDO_MDS_FILE && !e.LATCHKEY_FIDO_MDS_ROOT) {
    throw new ConfigError('Invalid configuration:\n  LATCHKEY_FIDO_MDS_ROOT: required with LATCHKEY_FIDO_MDS_FILE (the PEM file of the FIDO root its signature chains to)');
  }
  return Object.freeze({
    issuer,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.LATCHKEY_REDIS_PREFIX,
    dbQueryTimeoutMs: e.LATCHKEY_DB_QUERY_TIMEOUT_MS,
    dataDir: e.LATCHKEY_DATA_DIR,
    keyEncryptionKey: e.LATCHKEY_KEY_ENCRYPTION_KEY ? Buffer.from(e.LATCHKEY_KEY_ENCRYPTION_KEY, 'base64url') : undefined,
    logLevel: e.LATCHKEY_LOG_LEVEL,
    seedDemo: e.LATCHKEY_SEED_DEMO,
    workers: e.LATCHKEY_WORKERS === 'auto' ? availableParallelism() : e.LATCHKEY_WORKERS,
    lockout: Object.freeze({
      attempts: e.LATCHKEY_LOCKOUT_ATTEMPTS,
      seconds: e.LATCHKEY_LOCKOUT_SECONDS,
      ipFailuresPerHour: e.LATCHKEY_IP_FAILURE_LIMIT,
    }),
    passwordPolicy: Object.freeze({ minLength: e.LATCHKEY_PASSWORD_MIN_LENGTH, productName: e.LATCHKEY_WEBAUTHN_RP_NAME }),
    codeFailuresPerHour: e.LATCHKEY_CODE_FAILURE_LIMIT,
    // Embedded is the demo on one machine: sign-up works out of the box. A deployment on
    // Postgres opens it deliberately.
    signup: e.LATCHKEY_SIGNUP ?? (e.DATABASE_URL ? 'closed' : 'open'),
    ttl: Object.freeze({
      session: e.LATCHKEY_SESSION_TTL_SECONDS,
      accessToken: e.LATCHKEY_ACCESS_TOKEN_TTL_SECONDS,
      refreshToken: e.LATCHKEY_REFRESH_TOKEN_TTL_SECONDS,
    }),
    refreshReuseGraceSeconds: e.LATCHKEY_REFRESH_REUSE_GRACE_SECONDS,
    sessions: Object.freeze({ idleSeconds: e.LATCHKEY_SESSION_IDLE_SECONDS, maxPerAccount: e.LATCHKEY_MAX_SESSIONS }),
    admin: Object.freeze({ acr: e.LATCHKEY_ADMIN_ACR, idleSeconds: e.LATCHKEY_ADMIN_IDLE_SECONDS, ttlSeconds: e.LATCHKEY_ADMIN_TTL_SECONDS }),
    sweepIntervalSeconds: e.LATCHKEY_SWEEP_INTERVAL_SECONDS,
    auditRetentionDays: e.LATCHKEY_AUDIT_RETENTION_DAYS,
    trustedProxies,
    rateLimits: Object.freeze({
      ip: e.LATCHKEY_RATE_LIMIT_IP,
      account: e.LATCHKEY_RATE_LIMIT_ACCOUNT,
      global: e.LATCHKEY_RATE_LIMIT_GLOBAL,
      clientAuthFailures: e.LATCHKEY_RATE_LIMIT_CLIENT_AUTH_FAILURES,
      registration: e.LATCHKEY_RATE_LIMIT_REGISTRATION,
      adminApi: e.LATCHKEY_RATE_LIMIT_ADMIN_API,
    }),
    argon2: Object.freeze({ concurrency: e.LATCHKEY_ARGON2_CONCURRENCY, queue: e.LATCHKEY_ARGON2_QUEUE }),
    hostCheckExemptPaths: Object.freeze(e.LATCHKEY_HOST_CHECK_EXEMPT_PATHS),
    initialAccessToken: e.LATCHKEY_INITIAL_ACCESS_TOKEN,
    lastUsedFlushSeconds: e.LATCHKEY_LAST_USED_FLUSH_SECONDS,
    clientCacheSeconds: e.LATCHKEY_CLIENT_CACHE_SECONDS,
    apiKeys: Object.freeze({ maxDays: e.LATCHKEY_API_KEY_MAX_DAYS, perAccount: e.LATCHKEY_API_KEYS_PER_ACCOUNT }),
    webauthn: Object.freeze({
      rpId: e.LATCHKEY_WEBAUTHN_RP_ID ?? new URL(issuer).hostname,
      rpName: e.LATCHKEY_WEBAUTHN_RP_NAME,
      origins: Object.freeze(origins),
      relatedOrigins,
    }),
    attestation: Object.freeze({
      mdsFile: e.LATCHKEY_FIDO_MDS_FILE,
      mdsRoot: e.LATCHKEY_FIDO_MDS_ROOT,
      trustRoots: e.LATCHKEY_WEBAUTHN_TRUST_ROOTS,
      aaguidAllowlist: e.LATCHKEY_WEBAUTHN_AAGUID_ALLOWLIST && Object.freeze(e.LATCHKEY_WEBAUTHN_AAGUID_ALLOWLIST),
    }),
    metrics: Object.freeze({ port: e.LATCHKEY_METRICS_PORT, token: e.LATCHKEY_METRICS_TOKEN }),
    keyRotation: Object.freeze({ intervalDays: e.LATCHKEY_KEY_ROTATION_DAYS, reloadSeconds: e.LATCHKEY_KEY_RELOAD_SECONDS }),
    mail: Object.freeze({
      smtpUrl: e.LATCHKEY_SMTP_URL,
      from: e.LATCHKEY_MAIL_FROM ?? `${e.LATCHKEY_WEBAUTHN_RP_NAME} <no-reply@${new URL(issuer).hostname}>`,
      pollSeconds: e.LATCHKEY_MAIL_POLL_SECONDS,
      maxAttempts: e.LATCHKEY_MAIL_MAX_ATTEMPTS,
      retentionDays: e.LATCHKEY_MAIL_RETENTION_DAYS,
    }),
  });
}
