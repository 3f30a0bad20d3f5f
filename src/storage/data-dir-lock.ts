import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../common/errors.js';

/** Another process holds the embedded store; the message tells the operator what to do. */
export class DataDirBusyError extends AppError {
  constructor(message: string) {
    super('storage.data_dir_busy', message, { status: 503, expose: true });
    this.name = 'DataDirBusyError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const code = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** What a lock file says: undefined when it is gone. */
function contentOf(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    if (code(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The live process a lock names, or undefined when it names none that can hold it: a
 * dead pid, this process's own (a container restarted as pid 1 finds its predecessor's
 * "1"), or no pid at all (an older Latchkey's crash between creating and writing it).
 */
function liveHolder(content: string): number | undefined {
  const pid = Number(content);
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : undefined;
}

/**
 * Creates `path` holding this process's pid, atomically: written aside, then linked
 * (`link` fails if the name exists, and the file never exists without its pid). False
 * when it exists. File systems without hard links get an exclusive create instead.
 */
function claim(mine: string, path: string): boolean {
  try {
    linkSync(mine, path);
    return true;
  } catch (err) {
    if (code(err) === 'EEXIST') return false;
    if (code(err) !== 'EPERM' && code(err) !== 'ENOTSUP' && code(err) !== 'EOPNOTSUPP') throw err;
  }
  try {
    writeFileSync(path, String(process.pid), { flag: 'wx', mode: 0o600 });
    return true;
  } catch (err) {
    if (code(err) === 'EEXIST') return false;
    throw err;
  }
}

/**
 * The data directory, owner-only: PGlite writes its files readable and writable by
 * everyone (0666), and the keys live here too, so the directory is what keeps other
 * local users out. Made so before anything is opened in it, by every command.
 */
export function ownerOnlyDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    chmodSync(dataDir, 0o700);
  } catch (err) {
    throw new AppError('storage.data_dir_unusable', `cannot use the data directory ${dataDir} (LATCHKEY_DATA_DIR): ${(err as Error).message}`, {
      status: 500,
      expose: true,
    });
  }
}

/**
 * Embedded PGlite is single-process: two processes on one data directory would corrupt
 * it. A pid file turns that into a clear error; a stale one is taken over.
 *
 * Processes starting together cannot both win. The lock file appears with its pid in it
 * (`claim`), and is removed only by its holder or by the one process that holds the
 * takeover file beside it: that one reads it again and removes it only if it is still
 * stale, and nobody else can change a lock file that exists (a new lock can only be made
 * where none is). A takeover file left by a process that died in those few
 * instructions is the operator's to remove: guessing there could hand the store to two.
 */
export function lockDataDir(dataDir: string): () => void {
  ownerOnlyDataDir(dataDir);
  const path = join(dataDir, 'latchkey.pid');
  const takeover = `${path}.takeover`;
  const mine = `${path}.${process.pid}.${randomBytes(6).toString('hex')}`;
  writeFileSync(mine, String(process.pid), { mode: 0o600 });
  const busy = (holder: number) =>
    new DataDirBusyError(
      `Latchkey (pid ${holder}) is using the embedded store in ${dataDir}. Embedded storage is single-process: ` +
        'stop it first, or run with DATABASE_URL and REDIS_URL.',
    );
  try {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      if (claim(mine, path)) return release(path);
      const content = contentOf(path);
      if (content === undefined) continue; // released meanwhile: claim again
      const holder = liveHolder(content);
      if (holder) throw busy(holder);
      if (!claim(mine, takeover)) {
        const taker = liveHolder(contentOf(takeover) ?? '');
        if (taker) throw busy(taker);
        throw new DataDirBusyError(`a start of Latchkey on ${dataDir} stopped while taking over a stale lock: if no Latchkey runs there, remove ${takeover}`);
      }
      try {
        const now = contentOf(path);
        if (now !== undefined && !liveHolder(now)) unlinkSync(path);
      } finally {
        unlinkSync(takeover);
      }
    }
    throw new DataDirBusyError(`could not lock ${dataDir}: other processes keep taking it`);
  } finally {
    unlinkSync(mine);
  }
}

function release(path: string): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    try {
      if (contentOf(path) === String(process.pid)) unlinkSync(path);
    } catch {
      // already gone
    }
  };
}
