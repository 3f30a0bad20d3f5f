import { randomBytes } from 'node:crypto';
import type { Clock } from '../common/clock.js';
import { digestsEqual, sha256 } from '../common/hash.js';

/**
 * Client secrets carry 256 bits and are stored only as SHA-256 (a random secret needs no
 * slow hash); the value is shown once. Several may be live at once during a rotation.
 */
export interface NewSecret {
  id: string;
  value: string;
  hash: string;
}

export interface StoredSecret {
  id: string;
  hash: string;
  expiresAt: Date | null;
}

export function newSecret(): NewSecret {
  const value = randomBytes(32).toString('base64url');
  return { id: newSecretId(), value, hash: hashSecret(value) };
}

export function newSecretId(): string {
  return `sec_${randomBytes(9).toString('base64url')}`;
}

export function hashSecret(value: string): string {
  return sha256(value);
}

export function isLive(secret: Pick<StoredSecret, 'expiresAt'>, now: Date): boolean {
  return !secret.expiresAt || secret.expiresAt > now;
}

/** The id of the live secret that matches, comparing every one in constant time. */
export function matchSecret(secrets: readonly StoredSecret[], value: string, now: Date): string | undefined {
  const hash = hashSecret(value);
  let match: string | undefined;
  for (const s of secrets) {
    // Every live row is compared, so timing does not tell which one matched.
    if (digestsEqual(s.hash, hash) && isLive(s, now)) match = s.id;
  }
  return match;
}

/**
 * A rotation: the new secret (with its own expiry, if any) and until when the secrets
 * live now keep working. A secret that would expire sooner keeps its earlier end.
 */
export interface Rotation {
  secret: NewSecret;
  createdAt: Date;
  expiresAt: Date | null;
  overlapUntil: Date;
}

export function rotation(clock: Clock, overlapSeconds: number, expiresInSeconds?: number): Rotation {
  const now = clock();
  return {
    secret: newSecret(),
    createdAt: now,
    // No (or a zero) lifetime: the new secret lives until the next rotation.
    expiresAt: expiresInSeconds ? new Date(now.getTime() + expiresInSeconds * 1000) : null,
    overlapUntil: new Date(now.getTime() + overlapSeconds * 1000),
  };
}
