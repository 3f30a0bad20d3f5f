import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

// docker-compose.yml and the Dockerfile, as an operator's tools read them. No container
// engine runs here: the compose file is checked by Compose itself (offline `config`),
// the Dockerfile by what its stages say.
const ROOT = new URL('../../', import.meta.url).pathname;
const COMPOSE = '/usr/bin/docker-compose';
const run = promisify(execFile);
const EMPTY_ENV = join(mkdtempSync(join(tmpdir(), 'latchkey-compose-')), 'empty.env');
writeFileSync(EMPTY_ENV, '');
const compose = (env: Record<string, string>) =>
  // No .env file is read (a developer's own would fill in the secrets the test leaves out).
  run(COMPOSE, ['--env-file', EMPTY_ENV, '-f', `${ROOT}docker-compose.yml`, 'config'], { env: { PATH: process.env.PATH ?? '', ...env } });

// .ci/run installs Compose; under CI a missing one is a failing test. On a developer's
// machine without it the test is not registered (said on stderr): nothing counts as run.
if (existsSync(COMPOSE) || process.env.CI === 'true') {
  test('docker-compose.yml: valid, secrets only from the environment, Latchkey waits for healthy stores', composeFile);
} else {
  process.stderr.write(`docker-compose.yml check not run: ${COMPOSE} is not installed (apt-get install docker-compose)\n`);
}

async function composeFile() {
  const { stdout } = await compose({ POSTGRES_PASSWORD: 'c0ffee', LATCHKEY_KEY_ENCRYPTION_KEY: 'k' });
  assert.match(stdout, /DATABASE_URL: postgres:\/\/latchkey:c0ffee@postgres:5432\/latchkey/);
  assert.match(stdout, /REDIS_URL: redis:\/\/redis:6379/);
  const latchkey = stdout.slice(stdout.indexOf('  latchkey:'), stdout.indexOf('\n  postgres:'));
  assert.match(latchkey, /depends_on:\n\s+postgres:\n\s+condition: service_healthy\n(\s+required: true\n)?\s+redis:\n\s+condition: service_healthy/);
  assert.match(stdout, /pg_isready -U latchkey -d latchkey/);
  assert.match(stdout, /- redis-cli\n\s+- ping/);
  assert.match(stdout, /pgdata:\/var\/lib\/postgresql\/data/, 'the database lives in a volume');
  assert.match(stdout, /- --appendonly\n\s+- "no"/, 'Redis keeps nothing (ephemeral state only)');
  assert.match(stdout, /stop_grace_period: 15s/, 'longer than the 10 s drain');
  for (const missing of ['POSTGRES_PASSWORD', 'LATCHKEY_KEY_ENCRYPTION_KEY']) {
    const env: Record<string, string> = { POSTGRES_PASSWORD: 'c0ffee', LATCHKEY_KEY_ENCRYPTION_KEY: 'k' };
    delete env[missing];
    await assert.rejects(compose(env), (err: { stderr?: string }) => String(err.stderr).includes(`set ${missing}`), `${missing} is required`);
  }
}

test('Dockerfile: Node 22 LTS, compiled in a build stage, runtime dependencies only, not root, health-checked', () => {
  const file = readFileSync(`${ROOT}Dockerfile`, 'utf8');
  const stages = file.split(/^FROM /m).slice(1);
  assert.equal(stages.length, 2, 'a build stage and a runtime stage');
  const [build, runtime] = stages as [string, string];
  assert.match(build, /^node:22-\S+ AS build/);
  assert.match(build, /RUN npm ci\b/);
  assert.match(build, /RUN npm run build/);
  assert.match(runtime, /^node:22-/);
  assert.match(runtime, /npm ci --omit=dev/);
  assert.match(runtime, /COPY --from=build \/app\/dist \.\/dist/);
  assert.doesNotMatch(runtime, /COPY (\.|src) \.\/?\s*$/m, 'no source tree copied whole');
  assert.match(runtime, /^USER node$/m);
  assert.match(runtime, /^HEALTHCHECK .*\n.*\/readyz/m);
  assert.match(runtime, /CMD \["node", (?:"--[\w-]+=\d+", )*"bin\/latchkey\.js", "serve"\]/);
  // Everything the compiled server reads at run time is in the image.
  for (const dir of ['migrations', 'views', 'public', 'bin', 'src/passkeys/aaguid-names']) assert.match(runtime, new RegExp(`COPY ${dir} `), dir);
});
