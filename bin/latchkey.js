#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ (`npm run build`; `npm start` builds first), so
// starting does no transpiling. Development and tests run the TypeScript sources with
// `node --import tsx src/cli/main.ts` instead.
import module from 'node:module';
import { setFlagsFromString } from 'node:v8';

// V8 lets the old generation grow to up to four times what survived the last full
// collection before collecting again; under a token load of thousands of requests a
// second that took a Postgres-mode process from 135 MB resident to 240 MB. One and a half
// times is enough: with the engine fix (patches/README.md) little of a request reaches
// the old generation, so full collections stay rare and the tighter limit cost no CPU
// that paired runs could see, for 13-20 MB less at peak (docs/sizing.md "Memory"). V8 reads this
// flag at each collection, so setting it here works for every way Latchkey is started
// (npm start, this bin, the Docker image); NODE_OPTIONS cannot carry it, so an
// operator's own value comes as a node flag: `node --heap-growing-percent=N bin/latchkey.js`.
if (!process.execArgv.some((arg) => arg.startsWith('--heap-growing-percent') || arg.startsWith('--heap_growing_percent'))) {
  setFlagsFromString('--heap-growing-percent=50');
}

// Node 22+: V8's code cache on disk, so a restart does not compile the same modules again.
module.enableCompileCache?.();
const entry = new URL('../dist/src/cli/main.js', import.meta.url);
try {
  await import(entry.href);
} catch (err) {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes(entry.pathname)) {
    process.stderr.write('latchkey: not built yet: run `npm run build` (npm start builds by itself)\n');
    process.exit(1);
  }
  throw err;
}
