import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { outsideRequests } from '../common/outside-requests.js';

/** Past this many keys with failures in sight, every check asks Redis for a while. */
const MAX_MARKS = 100_000;
/** Each process hears its own heartbeat this often; twice missed, the subscription is not trusted. */
const HEARTBEAT_MS = 5_000;

export interface FailureWatch {
  /**
   * False only when no process can have failures on record for `key`: the check may
   * then skip Redis. Each call that returns true starts a check, which `settle` ends.
   */
  mayHaveFailures(fullKey: string): { ask: boolean; settle(found: boolean): void };
  /** A failure was just recorded for `fullKey` (here or, through Redis, elsewhere). */
  failed(fullKey: string): Promise<void>;
  /** For the operator (ops/metrics.ts): how checks are answered now. */
  state(): FailureWatchState;
  close(): Promise<void>;
}

export interface FailureWatchState {
  /** Checks of keys with nothing on record skip Redis now (false: every check reads Redis). */
  skipping: boolean;
  /** Keys that may have failures on record, each checked in Redis. */
  keys: number;
  /** A publish failed: every check reads Redis until the process restarts. */
  broken: boolean;
}

/**
 * Which failure budgets have failures on record, known without a Redis read per check.
 * A token request or a sign-in checks its budget every time, and nearly always finds
 * nothing: this keeps, per process, the keys that may have failures (every failure is
 * published on a channel all Latchkey processes subscribe to, and every key on record is
 * read once when the subscription starts), and only those are checked in Redis until a
 * check finds them gone. Every check asks Redis until the subscription is up and the keys
 * on record are read; again after any disconnection, until both are done anew; when the
 * process has not heard its own heartbeat for two periods (a subscription that went
 * quiet without closing); for good once a publish fails (a Redis user without channel
 * rights, say: the failure is counted all the same); and while too many keys are in
 * sight. What remains is the time Redis takes to deliver a message to the other
 * processes, about as long as a parallel request takes to see a failure in any case.
 * `windowSeconds` is the longest budget window, for how long to keep asking after
 * dropping the marks.
 */
export function createFailureWatch(redis: Redis, options: { prefix: string; windowSeconds: () => number }): FailureWatch {
  const channel = `${options.prefix}rl-failures`;
  const pattern = `${options.prefix.replace(/[*?[\]\\]/g, '\\$&')}rl:*`;
  // Key → the mark's sequence number, so a check that read "none" before a newer failure
  // arrived does not clear the newer mark.
  const marks = new Map<string, number>();
  let sequence = 0;
  let trusted = false;
  let askAllUntil = 0;
  let subscriber: Redis | undefined;
  let closed = false;
  // Set for good when a publish fails: other processes may have missed a failure.
  let broken = false;
  // Bumped on every (re)connection and disconnection: only the latest trust run may trust.
  let generation = 0;
  const heartbeats = `${options.prefix}rl-heartbeat:`;
  const heartbeat = `${heartbeats}${randomUUID()}`;
  let heardAt = 0;
  let beating: NodeJS.Timeout | undefined;

  const mark = (key: string) => {
    if (marks.size >= MAX_MARKS && !marks.has(key)) {
      marks.clear();
      askAllUntil = Date.now() + options.windowSeconds() * 1000;
    }
    marks.set(key, ++sequence);
  };

  async function readKeysOnRecord(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      for (const key of keys) mark(key);
      cursor = next;
    } while (cursor !== '0');
  }

  async function trust(listener: Redis, run: number): Promise<void> {
    // Subscribed before reading what is on record: a failure in between is either read or heard.
    await listener.subscribe(channel);
    await readKeysOnRecord();
    await redis.publish(channel, heartbeat);
    if (run === generation && !closed && !broken && listener.status === 'ready') trusted = true;
  }

  const beat = () => void redis.publish(channel, heartbeat).catch(() => {});

  function start(): void {
    const listener = redis.duplicate({ lazyConnect: false, enableOfflineQueue: true, enableAutoPipelining: false });
    subscriber = listener;
    listener.on('error', () => {});
    listener.on('message', (_channel: string, key: string) => {
      // Every process's heartbeat comes by; only this one's counts, and none is a key.
      if (!key.startsWith(heartbeats)) mark(key);
      else if (key === heartbeat) heardAt = Date.now();
    });
    // Messages sent while the subscription was down are lost: trust again only after reading anew.
    listener.on('close', () => {
      generation += 1;
      trusted = false;
    });
    listener.on('ready', () => {
      const run = (generation += 1);
      trust(listener, run).catch(() => (trusted = false));
    });
    beating = setInterval(beat, HEARTBEAT_MS).unref();
  }

  const listening = () => trusted && Date.now() - heardAt < 2 * HEARTBEAT_MS + 1000;

  return {
    mayHaveFailures(key) {
      // Started by the first check, inside some request: its connection and timer live on, not that request.
      if (!subscriber && !closed) outsideRequests(start);
      const seen = marks.get(key);
      if (listening() && seen === undefined && Date.now() >= askAllUntil) return { ask: false, settle: () => {} };
      const at = sequence;
      return {
        ask: true,
        settle(found) {
          // Gone from Redis and no newer failure heard since this check began: stop asking.
          if (!found && trusted && (marks.get(key) ?? 0) <= at) marks.delete(key);
          else if (found && seen === undefined) mark(key);
        },
      };
    },
    async failed(key) {
      mark(key);
      // The failure is counted already; a publish that fails only means this process stops
      // skipping reads (other processes may have missed it): never an error for the caller.
      await redis.publish(channel, key).catch(() => {
        broken = true;
        trusted = false;
      });
    },
    state: () => ({ skipping: listening() && Date.now() >= askAllUntil, keys: marks.size, broken }),
    async close() {
      closed = true;
      trusted = false;
      clearInterval(beating);
      await subscriber?.quit().catch(() => subscriber?.disconnect());
    },
  };
}
