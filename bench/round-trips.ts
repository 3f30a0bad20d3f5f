/**
 * Store round trips of one iteration, read from Latchkey's own counter
 * (latchkey_store_calls_total, ops/instrument-stores.ts) on its metrics port before and
 * after running the iteration alone, the second time (the first warms the caches).
 */
export interface RoundTrips {
  database: number;
  ephemeral: number;
  /** Every operation with its count, `store operation`. */
  operations: Record<string, number>;
}

async function calls(metricsPort: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^latchkey_store_calls_total\{store="(\w+)",operation="([^"]+)"\} (\d+)$/gm)) {
    out.set(`${m[1]} ${m[2]}`, Number(m[3]));
  }
  return out;
}

export async function roundTrips(metricsPort: number, once: () => Promise<void>): Promise<RoundTrips> {
  // Once to warm the caches a steady load keeps warm (clients, resources), then counted.
  await once();
  const before = await calls(metricsPort);
  await once();
  const after = await calls(metricsPort);
  const result: RoundTrips = { database: 0, ephemeral: 0, operations: {} };
  for (const [key, n] of after) {
    const d = n - (before.get(key) ?? 0);
    if (d <= 0) continue;
    result.operations[key] = d;
    if (key.startsWith('database ')) result.database += d;
    else result.ephemeral += d;
  }
  return result;
}
