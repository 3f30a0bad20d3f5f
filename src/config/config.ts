import { z } from 'zod';
import { AppError } from '../common/errors.js';

/**
 * Environment → one validated, frozen Config. Parsed once at start; a bad variable
 * stops start-up with its name and what was expected (see DESIGN.md "Operations").
 */
const duration = z.coerce.number().int().positive();
// `address` or `Display Name <address>`, on one line.
const MAILBOX = /^(?:[^<>\r\n]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/;

const envSchema = z.object({
  LATCHKEY_ISSUER: z.url({ protocol: /^https?$/ }).default('http://localhost:3000'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  LATCHKEY_REDIS_PREFIX: z.string().default('latchkey:'),
  LATCHKEY_DATA_DIR: z.string().min(1).default('./data'),
  /** 32 bytes, base64url: encrypts the private parts of signing and cookie keys at rest. */
  LATCHKEY_KEY_ENCRYPTION_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64url').length === 32, '32 bytes encoded as base64url')
    .optional(),
  LATCHKEY_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Seed a demo user and client when the store is empty (the README's first command). */
  LATCHKEY_SEED_DEMO: z.stringbool().default(false),
  /** Failed sign-ins allowed per account before it is locked for LATCHKEY_LOCKOUT_SECONDS. */
  LATCHKEY_LOCKOUT_ATTEMPTS: z.coerce.number().int().positive().default(10),
  LATCHKEY_LOCKOUT_SECONDS: duration.default(15 * 60),
  /** Minimum length of a new password, in code points (NIST SP 800-63B-4 §3.1.1.2: 15 for a single-factor password). */
  LATCHKEY_PASSWORD_MIN_LENGTH: z.coerce.number().int().min(8).max(64).default(15),
  /** Wrong one-time codes allowed per account per hour, across purposes (each code also dies after 5). */
  LATCHKEY_CODE_FAILURE_LIMIT: z.coerce.number().int().positive().default(10),
  /** Failed sign-ins allowed per client IP address per hour. */
  LATCHKEY_IP_FAILURE_LIMIT: z.coerce.number().int().positive().default(100),
  /** Absolute session lifetime, counted from the sign-in. */
  LATCHKEY_SESSION_TTL_SECONDS: duration.default(14 * 24 * 3600),
  /** Idle session lifetime: a session unused this long no longer signs in; unset: none. */
  LATCHKEY_SESSION_IDLE_SECONDS: duration.optional(),
  /** Sessions per account; a new sign-in beyond it ends the oldest. Unset: no limit. */
  LATCHKEY_MAX_SESSIONS: z.coerce.number().int().positive().optional(),
  LATCHKEY_ACCESS_TOKEN_TTL_SECONDS: duration.default(600),
  LATCHKEY_REFRESH_TOKEN_TTL_SECONDS: duration.default(30 * 24 * 3600),
  LATCHKEY_SWEEP_INTERVAL_SECONDS: duration.default(600),
  /** Audit events older than this are deleted by the periodic sweep. */
  LATCHKEY_AUDIT_RETENTION_DAYS: z.coerce.number().int().positive().default(365),
  /** WebAuthn relying party id; default: the issuer's host name. */
  LATCHKEY_WEBAUTHN_RP_ID: z.string().regex(/^[a-z0-9.-]+$/i, 'a host name').optional(),
  LATCHKEY_WEBAUTHN_RP_NAME: z.string().min(1).default('Latchkey'),
  /** Comma-separated origins WebAuthn responses may come from; default: the issuer's origin. */
  LATCHKEY_WEBAUTHN_ORIGINS: z.string().optional(),
  /** Enables dynamic client registration (RFC 7591) for callers presenting this bearer token. */
  LATCHKEY_INITIAL_ACCESS_TOKEN: z.string().min(32, 'at least 32 characters').optional(),
  /** How long a process keeps a client's metadata and secret hashes before reading them again. */
  LATCHKEY_CLIENT_CACHE_SECONDS: z.coerce.number().int().min(0).default(5),
  /** How often client-secret last-used times are written (batched). */
  LATCHKEY_LAST_USED_FLUSH_SECONDS: duration.default(30),
  /** Trust X-Forwarded-* headers: only behind a reverse proxy that sets them. */
  LATCHKEY_TRUST_PROXY: z.stringbool().default(false),
  /** SMTP server for mail (smtp:// or smtps://, credentials in the URL); unset: the local dev mailbox. */
  LATCHKEY_SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'an smtp:// or smtps:// URL' }).optional(),
  /** The From of every mail, `address` or `Name <address>`; required with LATCHKEY_SMTP_URL. */
  LATCHKEY_MAIL_FROM: z.string().regex(MAILBOX, 'an address or "Name <address>"').optional(),
  /** How often each process looks for due mail in the outbox (it is also woken on enqueue). */
  LATCHKEY_MAIL_POLL_SECONDS: z.coerce.number().positive().default(5),
  /** Delivery attempts (with exponential backoff, up to an hour apart) before a mail is given up. */
  LATCHKEY_MAIL_MAX_ATTEMPTS: z.coerce.number().int().positive().default(12),
  /** Sent mail rows are deleted by the periodic sweep after this many days. */
  LATCHKEY_MAIL_RETENTION_DAYS: z.coerce.number().int().positive().default(7),
  /**
   * Comma-separated paths answered on any Host (load-balancer probes); every other path
   * answers only on the issuer's host.
   */
  LATCHKEY_HOST_CHECK_EXEMPT_PATHS: z
    .string()
    .default('/healthz,/readyz')
    .transform((v) => v.split(',').map((p) => p.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^\/[^?#\s]*$/, 'a comma-separated list of paths, each starting with /'))),
});

export interface Config {
  readonly issuer: string;
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly redisPrefix: string;
  readonly dataDir: string;
  readonly keyEncryptionKey: Buffer | undefined;
  readonly logLevel: z.infer<typeof envSchema>['LATCHKEY_LOG_LEVEL'];
  readonly seedDemo: boolean;
  readonly lockout: { readonly attempts: number; readonly seconds: number; readonly ipFailuresPerHour: number };
  readonly passwordPolicy: { readonly minLength: number; readonly productName: string };
  readonly codeFailuresPerHour: number;
  readonly ttl: { readonly session: number; readonly accessToken: number; readonly refreshToken: number };
  readonly sessions: { readonly idleSeconds: number | undefined; readonly maxPerAccount: number | undefined };
  readonly sweepIntervalSeconds: number;
  readonly auditRetentionDays: number;
  readonly trustProxy: boolean;
  readonly hostCheckExemptPaths: readonly string[];
  readonly initialAccessToken: string | undefined;
  readonly lastUsedFlushSeconds: number;
  readonly clientCacheSeconds: number;
  readonly webauthn: { readonly rpId: string; readonly rpName: string; readonly origins: readonly string[] };
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
  if (e.DATABASE_URL && !e.LATCHKEY_KEY_ENCRYPTION_KEY) {
    throw new ConfigError(
      'Invalid configuration:\n  LATCHKEY_KEY_ENCRYPTION_KEY: required with DATABASE_URL (32 random bytes, base64url; ' +
        'generate one with `node -e "console.log(crypto.randomBytes(32).toString(\'base64url\'))"`)',
    );
  }
  if (e.LATCHKEY_SMTP_URL && !e.LATCHKEY_MAIL_FROM) {
    throw new ConfigError('Invalid configuration:\n  LATCHKEY_MAIL_FROM: required with LATCHKEY_SMTP_URL (an address your SMTP server may send from)');
  }
  return Object.freeze({
    issuer,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.LATCHKEY_REDIS_PREFIX,
    dataDir: e.LATCHKEY_DATA_DIR,
    keyEncryptionKey: e.LATCHKEY_KEY_ENCRYPTION_KEY ? Buffer.from(e.LATCHKEY_KEY_ENCRYPTION_KEY, 'base64url') : undefined,
    logLevel: e.LATCHKEY_LOG_LEVEL,
    seedDemo: e.LATCHKEY_SEED_DEMO,
    lockout: Object.freeze({
      attempts: e.LATCHKEY_LOCKOUT_ATTEMPTS,
      seconds: e.LATCHKEY_LOCKOUT_SECONDS,
      ipFailuresPerHour: e.LATCHKEY_IP_FAILURE_LIMIT,
    }),
    passwordPolicy: Object.freeze({ minLength: e.LATCHKEY_PASSWORD_MIN_LENGTH, productName: e.LATCHKEY_WEBAUTHN_RP_NAME }),
    codeFailuresPerHour: e.LATCHKEY_CODE_FAILURE_LIMIT,
    ttl: Object.freeze({
      session: e.LATCHKEY_SESSION_TTL_SECONDS,
      accessToken: e.LATCHKEY_ACCESS_TOKEN_TTL_SECONDS,
      refreshToken: e.LATCHKEY_REFRESH_TOKEN_TTL_SECONDS,
    }),
    sessions: Object.freeze({ idleSeconds: e.LATCHKEY_SESSION_IDLE_SECONDS, maxPerAccount: e.LATCHKEY_MAX_SESSIONS }),
    sweepIntervalSeconds: e.LATCHKEY_SWEEP_INTERVAL_SECONDS,
    auditRetentionDays: e.LATCHKEY_AUDIT_RETENTION_DAYS,
    trustProxy: e.LATCHKEY_TRUST_PROXY,
    hostCheckExemptPaths: Object.freeze(e.LATCHKEY_HOST_CHECK_EXEMPT_PATHS),
    initialAccessToken: e.LATCHKEY_INITIAL_ACCESS_TOKEN,
    lastUsedFlushSeconds: e.LATCHKEY_LAST_USED_FLUSH_SECONDS,
    clientCacheSeconds: e.LATCHKEY_CLIENT_CACHE_SECONDS,
    webauthn: Object.freeze({
      rpId: e.LATCHKEY_WEBAUTHN_RP_ID ?? new URL(issuer).hostname,
      rpName: e.LATCHKEY_WEBAUTHN_RP_NAME,
      origins: Object.freeze(origins),
    }),
    mail: Object.freeze({
      smtpUrl: e.LATCHKEY_SMTP_URL,
      from: e.LATCHKEY_MAIL_FROM ?? `${e.LATCHKEY_WEBAUTHN_RP_NAME} <no-reply@${new URL(issuer).hostname}>`,
      pollSeconds: e.LATCHKEY_MAIL_POLL_SECONDS,
      maxAttempts: e.LATCHKEY_MAIL_MAX_ATTEMPTS,
      retentionDays: e.LATCHKEY_MAIL_RETENTION_DAYS,
    }),
  });
}
