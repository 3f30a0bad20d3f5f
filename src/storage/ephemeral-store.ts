import type { FailureWatchState } from './failure-watch.js';
import type { Adapter } from 'oidc-provider';

/**
 * Short-lived values (WebAuthn challenges, step-up marks, replay marks) in the
 * ephemeral store. `take` is atomic get-and-delete and `claim` atomic set-if-absent,
 * which is what makes a challenge single use, and a seen proof stay seen, even with
 * several Latchkey processes racing on one Redis.
 */
export interface EphemeralKv {
  put(key: string, value: string, ttlSeconds: number): Promise<void>;
  take(key: string): Promise<string | undefined>;
  /** Reads without consuming (a proof that several requests may rely on until it expires). */
  get(key: string): Promise<string | undefined>;
  /** Stores `key` for `ttlSeconds` unless it is there already; true when this call stored it. */
  claim(key: string, ttlSeconds: number): Promise<boolean>;
}

/**
 * Counters of failures (never of successes, so busy honest traffic is not throttled),
 * in the ephemeral store so every Latchkey process sees the same counts.
 */
export interface FailureLimiter {
  /**
   * Seconds until `key` may try again (0: it may try now), and whether it has failures on
   * record. In Redis, failures recorded by another process count here once Redis has
   * delivered that process's message (storage/failure-watch.ts): about as late as a
   * parallel request would see them anyway. `fail` is what is atomic.
   */
  check(key: string): Promise<{ blockedFor: number; failures: boolean }>;
  /**
   * Counts one failure (or one attempt, counted before it is made, so parallel attempts
   * can never exceed the allowance): how many are on record now, seconds blocked if this
   * used up the allowance, and `overLimit` when the allowance was already gone, so the
   * attempt must not be made at all. Atomic in the store.
   */
  fail(key: string): Promise<{ failures: number; blockedFor: number; overLimit: boolean }>;
  reset(key: string): Promise<void>;
}

export interface FailureLimiterOptions {
  /** Limiters with the same name share their counts. */
  name: string;
  /** Failures allowed within `durationSeconds` of the first one. */
  points: number;
  durationSeconds: number;
  /** How long a key is blocked once it fails beyond its allowance. */
  blockSeconds: number;
}

/**
 * Counts every request (not only failures): a request rate per key. Atomic in the
 * store, so parallel requests never get more than `points` within the window, on one
 * process or many.
 */
export interface RateLimiter {
  /**
   * Takes one point for `key`: allowed, or refused with the seconds until the window
   * frees up. Rejects when the store cannot be reached: callers must fail closed.
   */
  consume(key: string): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }>;
}

export interface RateLimiterOptions {
  /** Limiters with the same name share their counts. */
  name: string;
  /** Requests allowed within `durationSeconds` of the first one. */
  points: number;
  durationSeconds: number;
}

/**
 * The ephemeral store: Redis in production (storage/redis.ts), process memory when
 * embedded (storage/memory.ts). Holds interactions, codes, opaque access tokens, replay
 * detection and rate-limit counters; losing it at worst restarts a sign-in in progress.
 * Each backend is one file that owns all of its state, so consumers never ask which
 * one they have, and a third backend is one more file.
 */
export interface EphemeralStore {
  /** What /readyz calls this store ('redis', 'memory'); a label for people, never branched on. */
  readonly name: string;
  /** The oidc-provider adapter for an ephemeral model (AuthorizationCode, Interaction…). */
  adapterFor(model: string): Adapter;
  /** Values under their own namespace, so two features never see each other's keys. */
  kv(namespace: string): EphemeralKv;
  failureLimiter(options: FailureLimiterOptions): FailureLimiter;
  rateLimiter(options: RateLimiterOptions): RateLimiter;
  /** Resolves when the store answers; rejects while it is unreachable. */
  ping(): Promise<void>;
  /** Removes expired entries the backend does not expire by itself; returns how many went. */
  sweep(): Promise<number>;
  /** How failure-budget checks are answered, where a watch answers some without a read (Redis: failure-watch.ts). */
  failureWatch?(): FailureWatchState;
  close(): Promise<void>;
}
