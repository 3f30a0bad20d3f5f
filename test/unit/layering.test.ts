import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * DESIGN.md "Layout and dependency direction", checked from the import lines of src:
 * arrows point one way, domain modules never import Koa, handlers hold no SQL, and each
 * third-party package has one owner (type-only imports aside).
 */
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

// Lower layers first; a module may import its own layer's files only within itself.
const LAYERS: Record<string, number> = {
  common: 0,
  config: 1,
  storage: 2,
  adapters: 3,
  pages: 3,
  audit: 3,
  // Above pages (it renders through pages/render.ts, ejs's one owner), below the
  // domain modules and flows that send mail.
  mail: 3.5,
  accounts: 4,
  passkeys: 4,
  clients: 4,
  provider: 5,
  demo: 5,
  interactions: 6,
  'account-ui': 6,
  // The admin service (plain functions over the stores), the console and the admin API.
  admin: 6,
  // Metrics: counters fed from the audit log, the engine's events and the stores.
  ops: 6.5,
  http: 7,
  'app.ts': 8,
  // The budgets app.ts wires: over storage, config and pages (rate-limit.ts), below app.ts.
  'budgets.ts': 7.5,
  // The middleware stack app.ts installs before the page modules (over http/ and ops/).
  'middleware.ts': 7.6,
  'main.ts': 9,
  // `serve --workers N`: the node:cluster primary over main.ts's serve.
  'cluster.ts': 9.5,
  cli: 10,
};

const OWNERS: Array<[RegExp, (file: string) => boolean]> = [
  [/^(pg|@electric-sql\/pglite|ioredis|rate-limiter-flexible)$/, (f) => f.startsWith('storage/')],
  [/^@node-rs\/argon2$/, (f) => f === 'accounts/passwords.ts'],
  [/^@simplewebauthn\/server$/, (f) => f.startsWith('passkeys/')],
  [/^ejs$/, (f) => f === 'pages/render.ts'],
  [/^pino$/, (f) => f === 'common/logger.ts'],
  [/^nodemailer$/, (f) => f === 'mail/smtp-transport.ts'],
  // slot-metrics.ts: the hot-path metrics, handed to prom-client's registry at each scrape.
  [/^prom-client$/, (f) => f === 'ops/metrics.ts' || f === 'ops/slot-metrics.ts'],
];
const DOMAIN = /^(accounts|passkeys|clients|mail|audit|adapters|storage|config|common)\//;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const moduleOf = (file: string) => (file.includes('/') ? file.split('/')[0]! : file);

const imports = files(SRC).map((path) => {
  const file = relative(SRC, path).split('\\').join('/');
  const text = readFileSync(path, 'utf8');
  const found = [...text.matchAll(/^\s*import\s+(type\s+)?[^'"]*?from\s+'([^']+)'|import\('([^']+)'\)/gm)].map((m) => ({
    typeOnly: Boolean(m[1]),
    spec: (m[2] ?? m[3])!,
  }));
  return { file, text, found };
});

test('src imports point one way, from higher layers to lower ones', () => {
  const wrong: string[] = [];
  for (const { file, found } of imports) {
    const from = moduleOf(file);
    assert.ok(from in LAYERS, `${file}: module ${from} has no layer in this test`);
    for (const { spec } of found) {
      if (!spec.startsWith('.')) continue;
      const target = relative(SRC, join(SRC, file, '..', spec)).split('\\').join('/').replace(/\.js$/, '.ts');
      if (target.startsWith('..')) continue; // examples/ (the demo app) from the CLI
      const to = moduleOf(target);
      if (to === from) continue;
      if (LAYERS[to]! >= LAYERS[from]!) wrong.push(`${file} → ${target}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('each third-party package has one owner; domain modules never import Koa', () => {
  const wrong: string[] = [];
  for (const { file, found } of imports) {
    for (const { spec, typeOnly } of found) {
      if (spec.startsWith('.') || spec.startsWith('node:') || typeOnly) continue;
      for (const [pkg, owns] of OWNERS) if (pkg.test(spec) && !owns(file)) wrong.push(`${file} imports ${spec}`);
      if (DOMAIN.test(file) && /^(koa|@koa\/)/.test(spec)) wrong.push(`${file} imports ${spec}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('route handlers hold no SQL', () => {
  const wrong = imports
    .filter(({ file }) => /^(interactions|account-ui|admin\/console|http)\//.test(file))
    .filter(({ text }) => /\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b\s/.test(text))
    .map(({ file }) => file);
  assert.deepEqual(wrong, []);
});

// The one cast outside it: prom-client's Registry takes any object with a metric's
// members at run time, but its type names prom-client's own four classes only.
const CAST_ALLOWED = new Set(['ops/slot-metrics.ts: for (const registry of config.registers) registry.registerMetric(metric as unknown as Metric);']);

test('only provider/oidc-internals (the module and its folder) casts past the type checker (as never, as unknown as)', () => {
  const wrong = imports
    .filter(({ file }) => file !== 'provider/oidc-internals.ts' && !file.startsWith('provider/oidc-internals/'))
    .flatMap(({ file, text }) =>
      text.split('\n').flatMap((line, i) => (/\bas (never|unknown as)\b/.test(line) && !CAST_ALLOWED.has(`${file}: ${line.trim()}`) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
  assert.deepEqual(wrong, [], `engine-reaching code belongs in provider/oidc-internals.ts:\n${wrong.join('\n')}`);
});
