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
 * eight operations in flight at a time: the median of three windows, so that one window
 * that happens to meet the heap mid-way through something else (incremental marking
 * under a loaded machine once showed a fixed client at 3.8 KB where every other window
 * shows 1-4 B) decides nothing either way. A window in which a full collection ran is
 * measured again: its sweeping hands old-space pages back while young collections run,
 * which would hide promotion; so is one with fewer than three young collections, twice as
 * long. Only young collections' growth counts, never a shrink.
 */
export async function promotedPerOperation(operation: () => Promise<unknown>, count = 800): Promise<number> {
  const run = async (n: number) => {
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let i = 0; i < n / 8; i++) await operation();
    }));
  };
  await run(count / 4); // code, caches, connections
  const WINDOWS = 3;
  const ATTEMPTS = 12;
  const measured: number[] = [];
  for (let attempt = 1, n = count; attempt <= ATTEMPTS && measured.length < WINDOWS; attempt++) {
    gc();
    const profiler = new GCProfiler();
    profiler.start();
    await run(n);
    const { statistics } = profiler.stop();
    // Near the end, a window with a full collection is taken as it is: it can only
    // undercount, which makes a control that must promote harder to pass, not easier.
    const lastChances = ATTEMPTS - attempt < WINDOWS - measured.length;
    if (statistics.some((c) => !YOUNG.has(c.gcType)) && !lastChances) continue;
    const young = statistics.filter((c) => YOUNG.has(c.gcType));
    // Too few to judge (the young generation may have grown): a longer window, not a verdict.
    if (young.length < 3) {
      n *= 2;
      continue;
    }
    measured.push(young.reduce((sum, c) => sum + Math.max(0, oldSpace(c.afterGC) - oldSpace(c.beforeGC)), 0) / n);
  }
  if (!measured.length) assert.fail(`no window with enough young collections in ${ATTEMPTS} attempts: nothing to measure`);
  measured.sort((a, b) => a - b);
  return measured[Math.floor((measured.length - 1) / 2)]!;
}
