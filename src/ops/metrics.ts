import type { FailureWatchState } from '../storage/failure-watch.js';
import { AggregatorRegistry, Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { slotCounter, slotHistogram, type SlotCounter, type SlotHistogram } from './slot-metrics.js';
import type { AuditEvent } from '../audit/audit-log.js';

/**
 * Latchkey's Prometheus metrics, one Registry per Latchkey (never prom-client's global
 * one), so two instances in one process (tests, embedding) keep apart. Every label has a
 * bounded set of values: routes are names from a fixed list (http-metrics.ts), grant
 * types and methods are checked against known sets, and anything else is "other". A
 * label fed from a raw path or a client-chosen string would grow without bound.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly httpDuration: SlotHistogram<'route' | 'method' | 'status'>;
  readonly signIns: Counter<'method' | 'outcome'>;
  readonly stepUps: Counter<'acr'>;
  readonly lockouts: Counter;
  readonly tokensIssued: SlotCounter<'grant_type'>;
  readonly rateLimitRefusals: Counter<'limiter'>;
  readonly storeErrors: Counter<'store'>;
  /** Calls on a store by operation (method names, a fixed set): round trips per flow. */
  readonly storeCalls: SlotCounter<'store' | 'operation'>;
  /** Password hashes waiting for a slot in the argon2 pool; set by whoever owns the pool. */
  readonly argon2Queue: Gauge;
  /** Turns an audit event into counters (the audit log's observer). */
  observeAudit(event: AuditEvent): void;
  /** The exposition text and its content type, as a scrape answers. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

export interface MetricsOptions {
  /** Queued mail rows, counted on each scrape (mail_outbox WHERE status = 'queued'). */
  outboxDepth?: () => Promise<number>;
  /** How failure-budget checks are answered (storage/failure-watch.ts), read on each scrape. */
  failureWatch?: () => FailureWatchState;
}

const GRANT_TYPES = new Set([
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:openid:params:grant-type:ciba',
  'urn:ietf:params:oauth:grant-type:token-exchange',
]);
export const grantTypeLabel = (grantType: unknown): string =>
  typeof grantType === 'string' && GRANT_TYPES.has(grantType) ? grantType : 'other';

const ACRS = new Set(['pwd', 'phr', 'phrh']);
export const acrLabel = (acr: unknown): string => (typeof acr === 'string' && ACRS.has(acr) ? acr : 'other');

/**
 * Audit event type → what it counts. A new event type that should be counted gets one
 * line here (and a test); unknown types count nothing. Successful sign-ins and step-ups
 * are not audit events today: they come from the engine's `interaction.ended`
 * (sign-in-metrics.ts), so a success type added to the audit log later must not be
 * mapped here as well, or it is counted twice.
 *
 * | audit type                     | counter                                         |
 * |--------------------------------|-------------------------------------------------|
 * | login.failed                   | sign_ins{method=password,outcome=failure}       |
 * | account.locked                 | sign_ins{method=password,outcome=locked}, lockouts |
 * | passkey.wrong_account          | sign_ins{method=passkey,outcome=failure}        |
 * | passkey.user_handle_mismatch   | sign_ins{method=passkey,outcome=failure}        |
 * | passkey.counter_regressed      | sign_ins{method=passkey,outcome=failure}        |
 * | passkey.backup_eligibility_changed | sign_ins{method=passkey,outcome=failure}    |
 * | refresh_token.reused           | refresh_token_reuse{outcome=revoked}            |
 * | refresh_token.reused_in_grace  | refresh_token_reuse{outcome=graced}             |
 */
type AuditEffect = { counter: 'signIns'; method: string; outcome: string } | { counter: 'lockouts' } | { counter: 'refreshReuse'; outcome: 'revoked' | 'graced' };
export const AUDIT_COUNTERS: Readonly<Record<string, readonly AuditEffect[]>> = {
  'login.failed': [{ counter: 'signIns', method: 'password', outcome: 'failure' }],
  'account.locked': [{ counter: 'signIns', method: 'password', outcome: 'locked' }, { counter: 'lockouts' }],
  'passkey.wrong_account': [{ counter: 'signIns', method: 'passkey', outcome: 'failure' }],
  'passkey.user_handle_mismatch': [{ counter: 'signIns', method: 'passkey', outcome: 'failure' }],
  'passkey.counter_regressed': [{ counter: 'signIns', method: 'passkey', outcome: 'failure' }],
  'passkey.backup_eligibility_changed': [{ counter: 'signIns', method: 'passkey', outcome: 'failure' }],
  'refresh_token.reused': [{ counter: 'refreshReuse', outcome: 'revoked' }],
  'refresh_token.reused_in_grace': [{ counter: 'refreshReuse', outcome: 'graced' }],
};

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const httpDuration = slotHistogram({
    name: 'latchkey_http_request_duration_seconds',
    help: 'HTTP requests by route (a fixed set of names; "other" for the rest), method and status, with their durations',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const signIns = new Counter({
    name: 'latchkey_sign_ins_total',
    help: 'Sign-ins by method (password, passkey) and outcome (success, failure, locked)',
    labelNames: ['method', 'outcome'] as const,
    registers,
  });
  const stepUps = new Counter({ name: 'latchkey_step_ups_total', help: 'Step-ups completed, by the acr reached', labelNames: ['acr'] as const, registers });
  const lockouts = new Counter({ name: 'latchkey_lockouts_total', help: 'Accounts locked after repeated failed sign-ins', registers });
  const refreshReuse = new Counter({
    name: 'latchkey_refresh_token_reuse_total',
    help: 'Used refresh tokens presented again: revoked (the grant with it, RFC 9700 §4.14.2), graced (within LATCHKEY_REFRESH_REUSE_GRACE_SECONDS)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const tokensIssued = slotCounter({
    name: 'latchkey_tokens_issued_total',
    help: 'Successful token endpoint requests, by grant type',
    labelNames: ['grant_type'] as const,
    registers,
  });
  const rateLimitRefusals = new Counter({
    name: 'latchkey_rate_limit_refusals_total',
    help: 'Requests refused by a rate limit or failure budget, by limiter name',
    labelNames: ['limiter'] as const,
    registers,
  });
  const storeErrors = new Counter({
    name: 'latchkey_store_errors_total',
    help: 'Failed operations on a store (database, ephemeral)',
    labelNames: ['store'] as const,
    registers,
  });
  const storeCalls = slotCounter({
    name: 'latchkey_store_calls_total',
    help: 'Calls on a store (database, ephemeral) by operation: statements and commands, a transaction counting its BEGIN and COMMIT (on Postgres BEGIN shares a round trip with the first statement); a failure-budget check the failure watch answers makes no round trip (latchkey_failure_watch_skipping)',
    labelNames: ['store', 'operation'] as const,
    registers,
  });
  const argon2Queue = new Gauge({ name: 'latchkey_argon2_queue', help: 'Password hashes waiting for an argon2 slot', registers });
  const { outboxDepth, failureWatch } = options;
  if (failureWatch) {
    // One process whose checks all read Redis is the one to look at: the least of the workers.
    new Gauge({
      name: 'latchkey_failure_watch_skipping',
      help: '1 while failure-budget checks of keys with nothing on record skip Redis; 0 while every check reads Redis (starting, reconnecting, or a failed publish)',
      registers,
      aggregator: 'min',
      collect() {
        this.set(failureWatch().skipping ? 1 : 0);
      },
    });
    new Gauge({
      name: 'latchkey_failure_watch_keys',
      help: 'Failure-budget keys with failures possibly on record, each checked in Redis',
      registers,
      aggregator: 'max',
      collect() {
        this.set(failureWatch().keys);
      },
    });
  }
  if (outboxDepth) {
    new Gauge({
      name: 'latchkey_mail_outbox_queued',
      help: 'Mails waiting in the outbox (counted on each scrape)',
      registers,
      // Every cluster worker counts the same table: summed, it would be N times too many.
      aggregator: 'max',
      async collect() {
        // A scrape must answer while the database is down (that is when it is read most):
        // the depth is then unknown (NaN) and the failure is counted.
        try {
          this.set(await outboxDepth());
        } catch {
          this.set(Number.NaN);
          storeErrors.inc({ store: 'database' });
        }
      },
    });
  }

  return {
    registry,
    httpDuration,
    signIns,
    stepUps,
    lockouts,
    tokensIssued,
    rateLimitRefusals,
    storeErrors,
    storeCalls,
    argon2Queue,
    observeAudit(event) {
      for (const effect of AUDIT_COUNTERS[event.type] ?? []) {
        if (effect.counter === 'lockouts') lockouts.inc();
        else if (effect.counter === 'refreshReuse') refreshReuse.inc({ outcome: effect.outcome });
        else signIns.inc({ method: effect.method, outcome: effect.outcome });
      }
    },
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/**
 * In a cluster worker (`latchkey serve --workers N`): lets the primary collect this
 * registry over the cluster's IPC channel (prom-client's AggregatorRegistry).
 */
export function shareWithPrimary(metrics: Metrics): void {
  // Constructing one is what makes prom-client answer the primary's requests in a worker.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([metrics.registry]);
}

/** In the cluster's primary: each scrape asks every worker and sums their figures. */
export function clusterScrape(): Pick<Metrics, 'scrape'> {
  const aggregator = new AggregatorRegistry();
  return {
    async scrape() {
      return { contentType: aggregator.contentType, body: await aggregator.clusterMetrics() };
    },
  };
}
