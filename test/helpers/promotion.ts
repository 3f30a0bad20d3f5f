import assert from 'node:assert/strict';
import { GCProfiler, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const YOUNG = new Set(['Scavenge', 'MinorMarkSweep']);
type HeapSide = { heapSpaceStatistics: Array<{ spaceName: string; spaceUsedSize: number }> };
const oldSpace = (side: HeapSide) => side.heapSpaceStatistics.find((s) => s.spaceName === 'old_space')!.spaceUsedSize;

/**
 * Bytes the young-generation collections moved to the old generation per operation, with
 * eight operations in flight at a time. A window in which a full collection ran is
 * measured again: its sweeping hands old-space pages back while young collections run,
 * which would hide promotion. Only young collections' growth counts, never a shrink.
 */
export async function promotedPerOperation(operation: () => Promise<unknown>, count = 800): Promise<number> {
  const run = async (n: number) => {
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let i = 0; i < n / 8; i++) await operation();
    }));
  };
  await run(count / 4); // code, caches, connections
  for (let attempt = 1; ; attempt++) {
    gc();
    const profiler = new GCProfiler();
    profiler.start();
    await run(count);
    const { statistics } = profiler.stop();
    if (statistics.some((c) => !YOUNG.has(c.gcType)) && attempt < 5) continue;
    const young = statistics.filter((c) => YOUNG.has(c.gcType));
    assert.ok(young.length >= 3, `only ${young.length} young collections ran: too few to judge`);
    return young.reduce((sum, c) => sum + Math.max(0, oldSpace(c.afterGC) - oldSpace(c.beforeGC)), 0) / count;
  }
}
