import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
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

/** The pid a lock file names; undefined when it names none (then it is taken for busy, never for stale). */
function holderOf(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch (err) {
    if (code(err) === 'ENOENT') return 0; // gone meanwhile: try again
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
 * it. A pid file turns that into a clear error; a stale file (dead pid) is taken over.
 *
 * Every step is one atomic file-system operation, so processes starting together cannot
 * both win: the file appears with its pid already in it (written aside, then linked:
 * `link` fails if the name exists), a stale one is first renamed to a name of this
 * process's own and checked there (of two processes taking over the same stale file,
 * one renames it, the other finds nothing to rename), and the lock is removed at the end
 * only while it still names this process.
 */
export function lockDataDir(dataDir: string): () => void {
  ownerOnlyDataDir(dataDir);
  const path = join(dataDir, 'latchkey.pid');
  const mine = `${path}.${process.pid}.${randomBytes(6).toString('hex')}`;
  writeFileSync(mine, String(process.pid), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      try {
        linkSync(mine, path);
        return release(path);
      } catch (err) {
        if (code(err) !== 'EEXIST') throw err;
      }
      const holder = holderOf(path);
      if (holder === 0) continue;
      if (holder === undefined || holder === process.pid || alive(holder)) {
        throw new DataDirBusyError(
          holder
            ? `Latchkey (pid ${holder}) is using the embedded store in ${dataDir}. Embedded storage is single-process: ` +
                'stop it first, or run with DATABASE_URL and REDIS_URL.'
            : `${path} names no process: if no Latchkey runs on ${dataDir}, remove that file.`,
        );
      }
      takeOverStale(path, holder);
    }
    throw new DataDirBusyError(`could not lock ${dataDir}: other processes keep taking it`);
  } finally {
    unlinkSync(mine);
  }
}

/** Removes `path` if it still names the dead `holder`; puts back whatever else it finds. */
function takeOverStale(path: string, holder: number): void {
  const aside = `${path}.stale.${process.pid}.${randomBytes(6).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if (code(err) === 'ENOENT') return; // another process took it over first
    throw err;
  }
  if (holderOf(aside) !== holder) {
    // A live lock, made after the stale one was read: back where it was.
    try {
      linkSync(aside, path);
    } catch (err) {
      if (code(err) !== 'EEXIST') throw err;
    }
  }
  unlinkSync(aside);
}

function release(path: string): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    try {
      if (holderOf(path) === process.pid) unlinkSync(path);
    } catch {
      // already gone
    }
  };
}
