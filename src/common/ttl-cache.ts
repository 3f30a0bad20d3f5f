import { outsideRequests } from './outside-requests.js';

/**
 * Memoizes an async lookup per key for `ttlSeconds` (0 = no caching). Bounded: keys may
 * come from requests, so the map is cleared rather than allowed to grow without limit.
 * The lookup runs outside the request that asked first (outside-requests.ts): its cached
 * promise would otherwise keep that whole request in memory for `ttlSeconds`, one per key.
 */
export function ttlCache<T>(load: (key: string) => Promise<T>, ttlSeconds: number, maxEntries = 10_000) {
  const entries = new Map<string, { value: Promise<T>; until: number }>();
  return (key: string): Promise<T> => {
    if (ttlSeconds <= 0) return load(key);
    const hit = entries.get(key);
    if (hit && hit.until > Date.now()) return hit.value;
    if (entries.size >= maxEntries) entries.clear();
    const value = outsideRequests(() => load(key));
    entries.set(key, { value, until: Date.now() + ttlSeconds * 1000 });
    // A failed lookup is not remembered.
    value.catch(() => entries.delete(key));
    return value;
  };
}
