import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

// The TypeScript sources through tsx, as the CLI tests run them (test/e2e/cli/setup.ts).
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface LatchkeyProcess {
  /** Where this process listens (its own port on 127.0.0.1). */
  url: string;
  child: ChildProcess;
  /** What it wrote so far (stdout: its logs at the level given, and what it prints; then stderr), for failure messages. */
  output(): string;
  /** SIGTERM, then waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * `latchkey serve` as an operator starts it, in a child process with only PATH and
 * `env`; resolves once it prints that it is running (PORT=0 unless `env` says: it
 * picks a free port and prints it). `args` follow `serve` (`--workers 2`).
 */
export async function spawnLatchkey(env: Record<string, string>, options: { args?: string[]; timeoutMs?: number } = {}): Promise<LatchkeyProcess> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'serve', ...(options.args ?? [])], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LATCHKEY_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A test that fails or is cancelled must not leave a server behind.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.off('exit', reap));
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`latchkey serve did not start within ${timeoutMs} ms:\n${out}\n${err}`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`latchkey serve exited with ${code}:\n${out}\n${err}`));
    });
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      // "(listening on URL)", or "(N workers listening on URL)" from a cluster's primary.
      const listening = /listening on (http:\/\/[^)\s]+)\)/.exec(out);
      if (listening) {
        clearTimeout(timer);
        resolve(listening[1]!);
      }
    });
  });
  return {
    url,
    child,
    output: () => `${out}\n${err}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** One `latchkey` CLI command, as the operator runs it beside the servers. */
export function latchkeyCommand(env: Record<string, string>, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', ENTRY, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, cwd: ROOT }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
    child.stdin!.end();
  });
}
