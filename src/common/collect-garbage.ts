import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection now, for the rare moment when a large block of memory has
 * just become garbage and nothing else would make V8 collect it soon: an idle process
 * allocates too little to start a collection, and memory outside the JavaScript heap
 * (array buffers, WebAssembly memories) stays resident until one runs. `gc` is exposed
 * to one throwaway context only (the process's own global never gets it), then the flag
 * is cleared again.
 */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  setFlagsFromString('--no-expose-gc');
  gc();
}
