import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { fileURLToPath } from 'node:url';
import { testDatabaseUrl } from '../../helpers/backends.js';
import { scratchDatabase } from '../../helpers/scratch-database.js';

// The TypeScript sources through tsx, as in development: no build between an edit and a
// test. bin/latchkey.js runs the same entry compiled (dist/), see package-scripts.test.ts.
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const ENTRY = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
const TSX = ['--import', 'tsx'];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the operator's command as a child process, with only PATH and `env` set. */
export function latchkey(env: Record<string, string>, args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [...TSX, ENTRY, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, cwd: ROOT }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    child.stdin!.end(stdin ?? '');
  });
}

/** The operator's command on embedded storage and, when available, on Postgres. */
const targets: Array<{ name: string; setup(): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }> }> = [
  {
    name: 'embedded',
    async setup() {
      const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-'));
      return { env: { LATCHKEY_DATA_DIR: dir }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
];
const admin = testDatabaseUrl();
if (admin) {
  targets.push({
    name: 'postgres',
    async setup() {
      const scratch = await scratchDatabase(admin, 'latchkey_cli');
      return {
        env: { DATABASE_URL: scratch.url, LATCHKEY_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') },
        cleanup: scratch.drop,
      };
    },
  });
}

export interface CliSuite {
  /** The environment that points the command at this suite's own storage. */
  readonly env: Record<string, string>;
}

/**
 * A suite of CLI tests, once per target, each on fresh storage. `migrated` runs
 * `latchkey migrate` first, for suites that are not about migrating.
 */
export function cliSuite(name: string, options: { migrated: boolean }, fn: (c: CliSuite) => void): void {
  for (const target of targets) {
    describe(`${name} (${target.name})`, () => {
      let env: Record<string, string>;
      let cleanup: () => Promise<void>;
      before(async () => {
        ({ env, cleanup } = await target.setup());
        if (options.migrated) {
          const migrated = await latchkey(env, ['migrate']);
          if (migrated.code !== 0) throw new Error(`latchkey migrate failed:\n${migrated.stderr}`);
        }
      });
      after(async () => cleanup?.());
      fn({
        get env() {
          return env;
        },
      });
    });
  }
}

/**
 * stderr as the operator reads it. On Node 20, oidc-provider prints its own
 * "Unsupported runtime" notice when loaded (Node 22 LTS, the Docker image's, does not):
 * that line is Node's, not Latchkey's, and is left out.
 */
export function stderrLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() && !l.startsWith('oidc-provider WARNING: Unsupported runtime'));
}

export { freePort, freePorts } from '../../helpers/own-stores.js';

export interface RunningServer {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const running = (out: string) => out.includes('Latchkey is running');

/**
 * `latchkey serve …` as its own process, once `ready` holds of its output (by default:
 * it says it is running); rejects if it exits first.
 */
export function startServer(env: Record<string, string>, args: string[], ready: (out: string, err: string) => boolean = running): Promise<RunningServer> {
  const child = spawn(process.execPath, [...TSX, ENTRY, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, cwd: ROOT });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const server: RunningServer = {
    child,
    stdout: () => out,
    stderr: () => err,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (ready(out, err)) resolve(server);
    });
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (ready(out, err)) resolve(server);
    });
    void exited.then((code) => reject(new Error(`latchkey serve exited (${code}) before it ran:\n${err}`)));
  });
}
