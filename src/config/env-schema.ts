import { z } from 'zod';
import { availableParallelism } from 'node:os';

/** The environment variables, as zod parses them (config.ts turns the result into a Config). */
const duration = z.coerce.number().int().positive();
/** `POINTS/SECONDS`: at most POINTS within SECONDS (e.g. `60/60`, sixty a minute). */
const budget = z
  .string()
  .regex(/^\d+\/\d+$/, 'POINTS/SECONDS, e.g. 60/60')
  .transform((v) => {
    const [points, seconds] = v.split('/').map(Number) as [number, number];
    return Object.freeze({ points, seconds });
  })
  .refine((b) => b.points > 0 && b.seconds > 0, 'both numbers must be positive');
const AAGUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// `address` or `Display Name <address>`, on one line.
const MAILBOX = /^(?:[^<>\r\n]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/;

/** Every variable Latchkey reads, with its type, default and what a bad value is told. */
export const envSchema = z.object({
  LATCHKEY_ISSUER: z.url({ protocol: /^https?$/ }).default('http://localhost:3000'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  LATCHKEY_REDIS_PREFIX: z.string().default('latchkey:'),
  /**
   * How long a request waits for a Postgres connection and for each statement's answer,
   * in milliseconds; then it fails closed (503) and /readyz turns red. Migrations are
   * not bounded by it.
   */
  LATCHKEY_DB_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
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
  /** Wrong one-time codes allowed per account and client address per hour, across purposes (each code also dies after 5). */
  LATCHKEY_CODE_FAILURE_LIMIT: z.coerce.number().int().positive().default(10),
  /** Self-service sign-up on the sign-in page; default: open when embedded (no DATABASE_URL), closed otherwise. */
  LATCHKEY_SIGNUP: z.enum(['open', 'closed']).optional(),
  /** Failed sign-ins allowed per client IP address per hour. */
  LATCHKEY_IP_FAILURE_LIMIT: z.coerce.number().int().positive().default(100),
  /** Absolute session lifetime, counted from the sign-in. */
  LATCHKEY_SESSION_TTL_SECONDS: duration.default(14 * 24 * 3600),
  /** Idle session lifetime: a session unused this long no longer signs in; unset: none. */
  LATCHKEY_SESSION_IDLE_SECONDS: duration.optional(),
  /** The admin console (/admin): the sign-in strength it requires (pwd < phr < phrh). */
  LATCHKEY_ADMIN_ACR: z.enum(['pwd', 'phr', 'phrh']).default('phr'),
  /** The admin console's session: idle lifetime (unused this long, it ends) and absolute lifetime. */
  LATCHKEY_ADMIN_IDLE_SECONDS: duration.default(15 * 60),
  LATCHKEY_ADMIN_TTL_SECONDS: duration.default(8 * 3600),
  /** Sessions per account; a new sign-in beyond it ends the oldest. Unset: no limit. */
  LATCHKEY_MAX_SESSIONS: z.coerce.number().int().positive().optional(),
  LATCHKEY_ACCESS_TOKEN_TTL_SECONDS: duration.default(600),
  LATCHKEY_REFRESH_TOKEN_TTL_SECONDS: duration.default(30 * 24 * 3600),
  /**
   * Seconds after a refresh token was rotated in which the same token again gets
   * invalid_grant without the grant being revoked (two tabs of one app refreshing at
   * once); 0, the default: every reuse revokes the grant (RFC 9700 §4.14.2).
   */
  LATCHKEY_REFRESH_REUSE_GRACE_SECONDS: z.coerce.number().int().min(0).max(60).default(0),
  LATCHKEY_SWEEP_INTERVAL_SECONDS: duration.default(600),
  /** Audit events older than this are deleted by the periodic sweep. */
  LATCHKEY_AUDIT_RETENTION_DAYS: z.coerce.number().int().positive().default(365),
  /** WebAuthn relying party id; default: the issuer's host name. */
  LATCHKEY_WEBAUTHN_RP_ID: z.string().regex(/^[a-z0-9.-]+$/i, 'a host name').optional(),
  LATCHKEY_WEBAUTHN_RP_NAME: z.string().min(1).default('Latchkey'),
  /** Comma-separated origins WebAuthn responses may come from; default: the issuer's origin. */
  LATCHKEY_WEBAUTHN_ORIGINS: z.string().optional(),
  /**
   * Comma-separated origins of the operator's other sites that may use this RP ID
   * (WebAuthn L3 §5.11 related origins), served at /.well-known/webauthn; https only.
   */
  LATCHKEY_WEBAUTHN_RELATED_ORIGINS: z.string().optional(),
  /**
   * Trust anchors for passkey attestation (DESIGN.md "Hardware"): a FIDO MDS3 BLOB file
   * and the PEM root its signature chain must reach, and/or a PEM file of attestation
   * roots. Read at start; nothing is fetched. Without any, no passkey yields phrh.
   */
  LATCHKEY_FIDO_MDS_FILE: z.string().optional(),
  LATCHKEY_FIDO_MDS_ROOT: z.string().optional(),
  LATCHKEY_WEBAUTHN_TRUST_ROOTS: z.string().optional(),
  /** Comma-separated AAGUIDs: only these authenticator models can be hardware-attested. */
  LATCHKEY_WEBAUTHN_AAGUID_ALLOWLIST: z
    .string()
    .transform((v) => v.split(',').map((a) => a.trim().toLowerCase()).filter(Boolean))
    .refine((list) => list.length > 0 && list.every((a) => AAGUID.test(a)), 'comma-separated AAGUIDs (8-4-4-4-12 hex digits)')
    .optional(),
  /** Enables dynamic client registration (RFC 7591) for callers presenting this bearer token. */
  LATCHKEY_INITIAL_ACCESS_TOKEN: z.string().min(32, 'at least 32 characters').optional(),
  /** How long a process keeps a client's metadata and secret hashes before reading them again. */
  LATCHKEY_CLIENT_CACHE_SECONDS: z.coerce.number().int().min(0).default(5),
  /** The longest lifetime a user may give an API key on the account page, in days. */
  LATCHKEY_API_KEY_MAX_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
  /** API keys per account (revoked ones do not count; expired ones do until revoked). */
  LATCHKEY_API_KEYS_PER_ACCOUNT: z.coerce.number().int().min(0).max(1000).default(20),
  /** How often client-secret last-used times are written (batched). */
  LATCHKEY_LAST_USED_FLUSH_SECONDS: duration.default(30),
  /**
   * Who may speak for the client in X-Forwarded-*: `none`, comma-separated proxy
   * addresses/CIDRs, or a hop count. Required (explicitly) with an https issuer.
   */
  LATCHKEY_TRUSTED_PROXIES: z.string().optional(),
  /** Requests per client IP per route family (sign-in, passkeys…), `POINTS/SECONDS`; generous, for offices behind one NAT. */
  LATCHKEY_RATE_LIMIT_IP: budget.default(budget.parse('120/60')),
  /** Requests per account (canonical email or account id) per route family. */
  LATCHKEY_RATE_LIMIT_ACCOUNT: budget.default(budget.parse('30/60')),
  /** Requests per route family from everyone together. */
  LATCHKEY_RATE_LIMIT_GLOBAL: budget.default(budget.parse('3000/60')),
  /** Failed client authentications per client_id (token, introspection, revocation, PAR); then blocked for SECONDS. */
  LATCHKEY_RATE_LIMIT_CLIENT_AUTH_FAILURES: budget.default(budget.parse('30/300')),
  /** Admin API requests per client (automation), `POINTS/SECONDS`. */
  LATCHKEY_RATE_LIMIT_ADMIN_API: budget.default(budget.parse('600/60')),
  /** Dynamic client registrations per client IP. */
  LATCHKEY_RATE_LIMIT_REGISTRATION: budget.default(budget.parse('20/3600')),
  /** Password hashes/verifications computed at once (each takes 19 MiB); default: one per core. */
  LATCHKEY_ARGON2_CONCURRENCY: z.coerce.number().int().positive().default(availableParallelism()),
  /** Password checks that may wait for a free slot; beyond that, 503 with Retry-After. */
  LATCHKEY_ARGON2_QUEUE: z.coerce.number().int().min(0).default(16),
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
   * Worker processes of `latchkey serve` (node:cluster, one port): a number, or `auto` for
   * one per core. Above 1 needs DATABASE_URL and REDIS_URL (embedded storage is one process).
   */
  LATCHKEY_WORKERS: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(256)]).default(1),
  /** `/metrics` on its own port, bound to HOST (Prometheus scrapers on an internal network). */
  LATCHKEY_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** `/metrics` on the main port for callers presenting this bearer token (also asked for on the metrics port when set). */
  LATCHKEY_METRICS_TOKEN: z.string().min(32, 'at least 32 characters').regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces').optional(),
  /** Rotate the signing and cookie keys by themselves after this many days (unset: only `latchkey keys rotate`). */
  LATCHKEY_KEY_ROTATION_DAYS: z.coerce.number().int().positive().optional(),
  /** How often each process reads the keys table again (new keys published, activated, retired). */
  LATCHKEY_KEY_RELOAD_SECONDS: duration.default(60),
  /**
   * Comma-separated paths answered on any Host (load-balancer probes); every other path
   * answers only on the issuer's host.
   */
  LATCHKEY_HOST_CHECK_EXEMPT_PATHS: z
    .string()
    .default('/healthz,/readyz')
    .transform((v) => v.split(',').map((p) => p.trim()).filter(Boolean))
    .pipe(
      z
        .array(z.string().regex(/^\/[^?#\s]*$/, 'a comma-separated list of paths, each starting with /'))
        // Discovery and the JWKS are served from bytes built once (http/metadata-caching.ts):
        // answered for a forged Host, they would carry its URLs to everyone.
        .refine((paths) => !paths.some((p) => p.startsWith('/.well-known/') || p === '/jwks'), 'discovery and JWKS paths cannot skip the host check'),
    ),
});

export type Env = z.infer<typeof envSchema>;
