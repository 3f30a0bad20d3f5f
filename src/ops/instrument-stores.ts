import type { Db } from '../storage/db.js';
import type { EphemeralStore, FailureLimiter, FailureLimiterOptions, RateLimiter, RateLimiterOptions } from '../storage/ephemeral-store.js';
import type { Metrics } from './metrics.js';
import { aroundCalls } from '../storage/around-calls.js';

/**
 * Counts store failures, rate-limit refusals and calls around the stores, so no
 * repository or flow module needs to know about metrics. Objects a method hands back
 * synchronously (an adapter, a limiter, a kv namespace) are counted the same way, their
 * calls named under the scope that made them (storage/around-calls.ts: a bounded label).
 */
function countCalls<T extends object>(target: T, onError: (err: unknown) => void, onCall: (operation: string) => void): T {
  return aroundCalls(target, (out, operation) => {
    onCall(operation);
    return out.catch((err: unknown) => {
      onError(err);
      throw err;
    });
  });
}

// SQLSTATE classes that are the store failing, not the statement being refused
// (a unique violation or a serialization retry is Latchkey's business, not an outage):
// 08 connection, 53 resources, 57 operator intervention (shutdown), 58 system, XX internal.
const OUTAGE_CLASSES = new Set(['08', '53', '57', '58', 'XX']);
function isOutage(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code) || OUTAGE_CLASSES.has(code.slice(0, 2));
}

/** Counts a transaction's statements (and its BEGIN and COMMIT), not its errors: the outer call counts those once. */
function countStatements(tx: Db, onCall: (operation: string) => void): Db {
  return {
    kind: tx.kind,
    query: (text, params) => (onCall(statementLabel(text)), tx.query(text, params)),
    exec: (sql) => (onCall('exec'), tx.exec(sql)),
    transaction: (fn) => tx.transaction((inner) => fn(countStatements(inner, onCall))),
    close: () => tx.close(),
  };
}

/**
 * A statement's label: its verb and first table (`select oidc_models`). Statements are
 * fixed in code, so the set is bounded; parameters never reach the label.
 */
export function statementLabel(text: string): string {
  let label = labels.get(text);
  if (label === undefined) {
    if (labels.size >= 1000) labels.clear();
    labels.set(text, (label = labelOf(text)));
  }
  return label;
}

// Every statement runs through here; its label is worked out once per text.
const labels = new Map<string, string>();

function labelOf(text: string): string {
  const verb = /^\s*(\w+)/.exec(text)?.[1]?.toLowerCase() ?? 'query';
  const table = /\b(?:FROM|INTO|UPDATE|TABLE)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?([a-z_][a-z0-9_]*)/i.exec(text)?.[1]?.toLowerCase();
  return table ? `${verb} ${table}` : verb;
}

export function instrumentDb(db: Db, metrics: Metrics): Db {
  const onCall = (operation: string) => metrics.storeCalls.inc({ store: 'database', operation });
  const onError = (err: unknown) => {
    if (isOutage(err)) metrics.storeErrors.inc({ store: 'database' });
  };
  const counted = countCalls(db, onError, () => {});
  return {
    kind: db.kind,
    query: (text, params) => (onCall(statementLabel(text)), counted.query(text, params)),
    exec: (sql) => (onCall('exec'), counted.exec(sql)),
    // BEGIN and COMMIT are statements of their own (on Postgres, BEGIN leaves in the same
    // write as the first statement: a transaction waits for one answer fewer than it counts).
    transaction: (fn) => (onCall('begin'), onCall('commit'), counted.transaction((tx) => fn(countStatements(tx, onCall)))),
    close: () => counted.close(),
  };
}

function countRefusals(limiter: FailureLimiter, name: string, metrics: Metrics): FailureLimiter {
  // Not async: one promise fewer on every client authentication and sign-in.
  return {
    check: (key) =>
      limiter.check(key).then((out) => {
        if (out.blockedFor > 0) metrics.rateLimitRefusals.inc({ limiter: name });
        return out;
      }),
    fail: (key) =>
      limiter.fail(key).then((out) => {
        if (out.overLimit) metrics.rateLimitRefusals.inc({ limiter: name });
        return out;
      }),
    reset: (key) => limiter.reset(key),
  };
}

function countRateRefusals(limiter: RateLimiter, name: string, metrics: Metrics): RateLimiter {
  return {
    consume: (key) =>
      limiter.consume(key).then((out) => {
        if (!out.allowed) metrics.rateLimitRefusals.inc({ limiter: name });
        return out;
      }),
  };
}

export function instrumentEphemeral(store: EphemeralStore, metrics: Metrics): EphemeralStore {
  const counted = countCalls(
    store,
    () => metrics.storeErrors.inc({ store: 'ephemeral' }),
    (operation) => metrics.storeCalls.inc({ store: 'ephemeral', operation }),
  );
  return new Proxy(counted, {
    get(obj, prop) {
      // Limiter names are fixed in code (a bounded label).
      if (prop === 'failureLimiter') return (options: FailureLimiterOptions) => countRefusals(counted.failureLimiter(options), options.name, metrics);
      // Request-rate limiters (pages/rate-limit.ts) are named `family:scope` (`password:ip`), also fixed in code.
      if (prop === 'rateLimiter') return (options: RateLimiterOptions) => countRateRefusals(counted.rateLimiter(options), options.name, metrics);
      return Reflect.get(obj, prop);
    },
  });
}
