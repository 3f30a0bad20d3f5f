import { availableParallelism } from 'node:os';
import { AppError } from '../common/errors.js';

/**
 * A process-wide bound on password hashing work. Each argon2id computation takes
 * 19 MiB and a core for tens of milliseconds (passwords.ts); a flood of sign-ins left
 * unbounded would queue thousands of them in the thread pool and exhaust memory. So at
 * most `concurrency` run at once (about one per core), at most `queue` more wait, and
 * anything beyond gets 503 with Retry-After at once — cheap to refuse, and the people
 * already waiting are served (OWASP ASVS 5.0 V6.3.1 protects against the flood; the
 * Password Storage Cheat Sheet warns that the work factor is a DoS lever).
 */
export class Argon2Busy extends AppError {
  constructor() {
    super('server.busy', 'Latchkey is handling many sign-ins right now. Nothing was changed; try again in a few seconds.', {
      status: 503,
      expose: true,
      headers: { 'Retry-After': '2' },
    });
  }
}

export interface Argon2PoolOptions {
  concurrency: number;
  queue: number;
  /** Told the number waiting whenever it changes (the `latchkey_argon2_queue` gauge). */
  onQueueLength?: (waiting: number) => void;
}

let limits: Argon2PoolOptions = { concurrency: availableParallelism(), queue: 16 };
let running = 0;
const waiting: Array<() => void> = [];

/** Sets the bound (createLatchkey does, from LATCHKEY_ARGON2_CONCURRENCY / _QUEUE); one per process. */
export function configureArgon2Pool(options: Argon2PoolOptions): void {
  limits = { ...options, concurrency: Math.max(1, options.concurrency), queue: Math.max(0, options.queue) };
}

/** Runs `work` when a slot is free; throws Argon2Busy when the queue is full. */
export async function withArgon2Slot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= limits.concurrency) {
    if (waiting.length >= limits.queue) throw new Argon2Busy();
    // The slot is handed over by the finishing call (running stays counted), so a
    // newcomer can never slip in between and exceed the bound.
    await new Promise<void>((resolve) => {
      waiting.push(resolve);
      limits.onQueueLength?.(waiting.length);
    });
  } else {
    running += 1;
  }
  try {
    return await work();
  } finally {
    const nextInLine = waiting.shift();
    if (nextInLine) {
      limits.onQueueLength?.(waiting.length);
      nextInLine();
    } else {
      running -= 1;
    }
  }
}
