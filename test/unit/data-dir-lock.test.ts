import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { lockDataDir } from '../../src/storage/data-dir-lock.js';

const dirs: string[] = [];
const spawned: ChildProcess[] = [];
after(() => {
  // A failed assertion leaves contenders waiting on their stdin: never a hung run.
  for (const child of spawned) if (child.exitCode === null) child.kill();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-lock-'));
  dirs.push(dir);
  return join(dir, 'data');
};

/** A pid that no process has: one that has just exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

// Each contender locks when told to, says what it got, and holds the lock until its stdin ends.
const CONTENDER = `
import { lockDataDir } from ${JSON.stringify(new URL('../../src/storage/data-dir-lock.ts', import.meta.url).href)};
const dir = process.argv[1];
process.stdout.write('ready\\n');
process.stdin.once('data', () => {
  let release;
  try { release = lockDataDir(dir); process.stdout.write('locked\\n'); } catch (err) { process.stdout.write('busy ' + err.name + '\\n'); }
  process.stdin.on('end', () => { release?.(); process.exit(0); });
});
`;

async function contend(dir: string, count: number): Promise<{ results: string[]; finish: () => Promise<void> }> {
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CONTENDER, dir], { stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  spawned.push(...children);
  const lines = children.map((child) => createInterface({ input: child.stdout! })[Symbol.asyncIterator]());
  const next = async (i: number) => String((await lines[i]!.next()).value);
  for (let i = 0; i < count; i++) assert.equal(await next(i), 'ready');
  // All at once, as a script starting several CLI commands would.
  for (const child of children) child.stdin!.write('go\n');
  const results = await Promise.all(children.map((_, i) => next(i)));
  return {
    results,
    finish: async () => {
      await Promise.all(children.map((child) => new Promise((resolve) => (child.once('exit', resolve), child.stdin!.end()))));
    },
  };
}

test('processes starting together on one data directory: exactly one gets it, with or without a stale pid file', async () => {
  for (const stale of [false, true]) {
    const dir = fresh();
    if (stale) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'latchkey.pid'), String(deadPid()));
    }
    const { results, finish } = await contend(dir, 4);
    assert.equal(results.filter((r) => r === 'locked').length, 1, `${stale ? 'stale file' : 'no file'}: ${results.join(', ')}`);
    assert.deepEqual(results.filter((r) => r !== 'locked'), Array(3).fill('busy DataDirBusyError'));
    await finish();
    assert.equal(existsSync(join(dir, 'latchkey.pid')), false, 'the winner removed its lock on release');
  }
});

test('a lock naming no live process is taken over: a dead pid, none at all, or this process\'s own (a container restarted as pid 1)', () => {
  const dir = fresh();
  mkdirSync(dir, { recursive: true });
  for (const left of [String(deadPid()), '', String(process.pid)]) {
    writeFileSync(join(dir, 'latchkey.pid'), left);
    const release = lockDataDir(dir);
    assert.equal(readFileSync(join(dir, 'latchkey.pid'), 'utf8'), String(process.pid), JSON.stringify(left));
    release();
    assert.equal(existsSync(join(dir, 'latchkey.pid')), false);
  }
});

test('a live holder is refused; release leaves a lock that is not its own; an interrupted takeover is the operator\'s to clear', () => {
  const dir = fresh();
  mkdirSync(dir, { recursive: true });
  // The test runner's parent is alive and is not this process.
  writeFileSync(join(dir, 'latchkey.pid'), String(process.ppid));
  assert.throws(() => lockDataDir(dir), new RegExp(`pid ${process.ppid}\\) is using the embedded store`));

  rmSync(join(dir, 'latchkey.pid'));
  const release = lockDataDir(dir);
  // Someone else's lock in its place (a takeover after this process was thought dead).
  writeFileSync(join(dir, 'latchkey.pid'), '1');
  release();
  assert.equal(readFileSync(join(dir, 'latchkey.pid'), 'utf8'), '1');

  writeFileSync(join(dir, 'latchkey.pid'), String(deadPid()));
  writeFileSync(join(dir, 'latchkey.pid.takeover'), String(deadPid()));
  assert.throws(() => lockDataDir(dir), /stopped while taking over a stale lock: if no Latchkey runs there, remove .*latchkey\.pid\.takeover/);
});

test('the data directory is owner-only, also when it existed with wider permissions', () => {
  const dir = fresh();
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const release = lockDataDir(dir);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  release();
});
