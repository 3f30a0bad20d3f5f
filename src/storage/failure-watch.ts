import type { Redis } from 'ioredis';

/** Past this many keys with failures in sight, every check asks Redis for a while. */
const MAX_MARKS = 100_000;

export interface FailureWatch {
  /**
   * False only when no process can have failures on record for `key`: the check may
   * then skip Redis. Each call that returns true starts a check, which `settle` ends.
   */
  mayHaveFailures(fullKey: string): { ask: boolean; settle(found: boolean): void };
  /** A failure was just recorded for `fullKey` (here or, through Redis, elsewhere). */
  failed(fullKey: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Which failure budgets have failures on record, known without a Redis read per check.
 * A token request or a sign-in checks its budget every time, and nearly always finds
 * nothing: this keeps, per process, the keys that may have failures (every failure is
 * published on a channel all Latchkey processes subscribe to, and every key on record is
 * read once when the subscription starts), and only those are checked in Redis until a
 * check finds them gone. Until the subscription is up and the keys on record are read,
 * after any disconnection, or while too many keys are in sight, every check asks Redis:
 * a missed message can never let a blocked key through. `windowSeconds` is the longest
 * budget window, for how long to keep asking after dropping the marks.
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

  async function trust(): Promise<void> {
    // Subscribed before reading what is on record: a failure in between is either read or heard.
    await subscriber!.subscribe(channel);
    await readKeysOnRecord();
    if (!closed && subscriber!.status === 'ready') trusted = true;
  }

  function start(): void {
    subscriber = redis.duplicate({ lazyConnect: false, enableOfflineQueue: true, enableAutoPipelining: false });
    subscriber.on('error', () => {});
    subscriber.on('message', (_channel: string, key: string) => mark(key));
    // Messages sent while the subscription was down are lost: trust again only after reading anew.
    subscriber.on('close', () => (trusted = false));
    subscriber.on('ready', () => void trust().catch(() => (trusted = false)));
  }

  return {
    mayHaveFailures(key) {
      if (!subscriber && !closed) start();
      const seen = marks.get(key);
      if (trusted && seen === undefined && Date.now() >= askAllUntil) return { ask: false, settle: () => {} };
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
      await redis.publish(channel, key);
    },
    async close() {
      closed = true;
      trusted = false;
      await subscriber?.quit().catch(() => subscriber?.disconnect());
    },
  };
}
