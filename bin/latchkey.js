#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ (`npm run build`; `npm start` builds first), so
// starting does no transpiling. Development and tests run the TypeScript sources with
// `node --import tsx src/cli/main.ts` instead.
import module from 'node:module';

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
