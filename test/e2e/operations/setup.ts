import { describe } from 'node:test';
import { backends, type Backend } from '../../helpers/backends.js';

/** A suite of operations tests (metrics, key rotation), run once per backend. */
export function operationsSuite(name: string, fn: (backend: Backend) => void): void {
  for (const backend of backends()) {
    describe(`${name} (${backend.name})`, () => fn(backend));
  }
}

/**
 * One sample's value from a Prometheus text exposition (0 when the series is absent):
 * `name` and exactly these labels, in any order.
 */
export function sample(exposition: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).sort().map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',');
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const got = [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => `${m[1]}="${m[2]}"`).sort().join(',');
    if (got === want) return Number(match[3]);
  }
  return 0;
}
