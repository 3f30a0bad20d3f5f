// Where a restart's time goes, in the compiled code (dist/), with an existing embedded
// data directory (argv[2]): each phase of main.ts's serve, one after the other.
import module from 'node:module';

module.enableCompileCache?.();
// As serve() does (src/main.ts): a handle keeps Node from waiting on V8's background
// compiles of PGlite's WebAssembly whenever the event loop would otherwise be empty.
const awake = setInterval(() => {}, 2 ** 30);
const dir = process.argv[2];
const t0 = performance.now();
const times = [];
let last = t0;
const mark = (name) => {
  const now = performance.now();
  times.push([name, now - last]);
  last = now;
};
const { parseConfig } = await import('../dist/src/config/config.js');
const { createLogger } = await import('../dist/src/common/logger.js');
mark('config and logger modules');
const { createPgliteDb } = await import('../dist/src/storage/pglite.js');
mark('PGlite module');
const db = await createPgliteDb(`${dir}/pglite`);
mark('PGlite open (existing data directory)');
const { migrate } = await import('../dist/src/storage/migrate.js');
await migrate(db);
mark('migrations check (up to date)');
const app = await import('../dist/src/app.js');
mark('application modules (oidc-provider, Koa, views…)');
const { createMemoryStore } = await import('../dist/src/storage/memory.js');
const { loadOrCreateKeyFile } = await import('../dist/src/storage/key-file.js');
const config = parseConfig({ ...process.env, LATCHKEY_DATA_DIR: dir, PORT: '0' });
const latchkey = await app.createLatchkey(config, { db, ephemeral: createMemoryStore(), keyEncryptionKey: loadOrCreateKeyFile(dir).key }, createLogger('warn'));
mark('createLatchkey (keys load, engine, routes)');
for (const [name, ms] of times) process.stdout.write(`    ${name.padEnd(52)} ${ms.toFixed(0).padStart(5)} ms\n`);
process.stdout.write(`    ${'total (one after the other)'.padEnd(52)} ${(performance.now() - t0).toFixed(0).padStart(5)} ms\n`);
await latchkey.close?.();
await db.close();
clearInterval(awake);
process.exit(0);
