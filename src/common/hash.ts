import { createHash, timingSafeEqual } from 'node:crypto';

/** SHA-256, base64url: how token ids, client secrets and one-time codes are stored. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** Constant-time comparison of two strings of any length. */
export function safeEqual(a: string, b: string): boolean {
  // Hashing first gives equal-length buffers, so length is not leaked either.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
