import { hash, timingSafeEqual } from 'node:crypto';

/** SHA-256, base64url: how token ids, client secrets and one-time codes are stored. */
export function sha256(value: string): string {
  // One-shot: no Hash object per call (hot: every client secret and token id).
  return hash('sha256', value, 'base64url');
}

/** Constant-time comparison of two strings of any length. */
export function safeEqual(a: string, b: string): boolean {
  // Hashing first gives equal-length buffers, so length is not leaked either.
  return timingSafeEqual(hash('sha256', a, 'buffer'), hash('sha256', b, 'buffer'));
}

/**
 * Constant-time comparison of two sha256() digests: their length is fixed and public,
 * so they are compared as they are, without hashing again (hot: every client secret).
 */
export function digestsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
